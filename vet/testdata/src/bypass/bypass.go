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

func out(s string) {
	fmt.Println("loss", 0.1)                 // want `CL005 fmt.Println writes output that bypasses`
	fmt.Printf("loss %v\n", 0.1)             // want `CL005 fmt.Printf`
	log.Printf("step %d", 3)                 // want `CL005 log.Printf`
	log.New(os.Stderr, "", 0).Println("x")   // want `CL005 log.Logger.Println`
	println("debug")                         // want `CL005 println`
	fmt.Fprintf(os.Stderr, "x\n")            // want `CL005 fmt.Fprintf to os.Stderr`
	os.Stdout.WriteString("x\n")             // want `CL005 os.Stdout.WriteString`
	io.Copy(os.Stdout, strings.NewReader(s)) // want `CL005 io.Copy to os.Stdout`

	// Clean: formatting without printing, writing to a chosen writer, logging.
	var b strings.Builder
	fmt.Fprintf(&b, "%s", s)
	_ = fmt.Sprint(s)
	logger.Info("loss", conflog.Public, "loss", 0.1)
}
