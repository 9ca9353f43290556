// Command usage shows the exemption for a main package's usage output.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/conflog/conflog"
)

func usage() {
	fmt.Fprintf(os.Stderr, "usage: %s [flags]\n", os.Args[0])
}

func main() {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage:", fs.Name())
		fmt.Fprintln(os.Stderr, "examples:", fs.Name(), "-epochs 3")
	}
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage:", os.Args[0]) }
	fmt.Fprintln(fs.Output(), "flags of", fs.Name())
	logger := conflog.New(os.Stderr, "SystemLog:", nil)
	logger.Info("start", conflog.Public)
	fmt.Println("done", fs.NArg()) // want `CL005 fmt.Println`
	_ = usage
}
