// Package bypass writes output around conflog.
package bypass

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func out(s string, loss float64) {
	fmt.Println("loss", loss)                // want `CL005 fmt.Println writes output that bypasses`
	fmt.Printf("text %s\n", s)               // want `CL005 fmt.Printf`
	log.Printf("step %s", s)                 // want `CL005 log.Printf`
	log.New(os.Stderr, "", 0).Println(s)     // want `CL005 log.Logger.Println`
	println("debug", s)                      // want `CL005 println`
	fmt.Fprintf(os.Stderr, "x %v\n", loss)   // want `CL005 fmt.Fprintf to os.Stderr`
	os.Stdout.WriteString(s)                 // want `CL005 os.Stdout.WriteString`
	io.Copy(os.Stdout, strings.NewReader(s)) // want `CL005 io.Copy to os.Stdout`

	// Clean: constants only (code, not data), formatting without printing,
	// writing to a chosen writer, logging.
	fmt.Println("starting")
	fmt.Fprintln(os.Stderr, "no prefix given: pass -prefix")
	const banner = "train v1"
	println(banner)
	var b strings.Builder
	fmt.Fprintf(&b, "%s", s)
	_ = fmt.Sprint(s)
	logger.Info("loss", conflog.Public, "loss", 0.1)
}
