// Command usage shows the exemption for a main package's usage output.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/conflog/conflog"
)

func usage() {
	fmt.Fprintf(os.Stderr, "usage: train [flags]\n")
}

func main() {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: train")
		fmt.Fprintln(os.Stderr, "examples: train -epochs 3")
	}
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage") }
	fmt.Fprintln(fs.Output(), "flags:")
	logger := conflog.New(os.Stderr, "SystemLog:", nil)
	logger.Info("start", conflog.Public)
	fmt.Println("done") // want `CL005 fmt.Println`
	_ = usage
}
