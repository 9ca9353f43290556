package conflog_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/conflog/conflog"
)

func ExamplePublicError() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	_, err := os.Open("/data/customers/jane.csv")
	logger.Error("load failed", conflog.Public, "err", err)
	logger.Error("load failed", conflog.Public, "err", conflog.PublicError(errors.New("no GPU found")))
	// Output:
	// SystemLog:level=ERROR msg="load failed" err="*fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"
	// SystemLog:level=ERROR msg="load failed" err="no GPU found"
}

func ExampleErrorf() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	_, err := os.Open("/data/customers/jane.csv")
	err = conflog.Errorf("reading shard %d of %s: %w", 3, "/data/customers", err)
	logger.Error("load failed", conflog.Public, "err", err)
	fmt.Println(err) // the message itself is fmt.Errorf's
	// Output:
	// SystemLog:level=ERROR msg="load failed" err="reading shard [scrubbed] of [scrubbed]: *fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"
	// reading shard 3 of /data/customers: open /data/customers/jane.csv: no such file or directory
}

func ExampleHandlePanic() {
	// Keep only what does not depend on the machine: no time, no file paths,
	// no frame count.
	stable := func(groups []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case slog.TimeKey, "at", "frames":
			return slog.Attr{}
		}
		return a
	}
	var buf bytes.Buffer
	logger := conflog.New(&buf, "SystemLog:", &conflog.Options{ReplaceAttr: stable})
	func() {
		defer func() { recover() }() // HandlePanic panics again; stop it here
		defer conflog.HandlePanic(logger)
		panic("bad row: jane@example.com")
	}()
	lines := strings.Split(buf.String(), "\n")
	fmt.Println(lines[0])
	fmt.Println(lines[1])
	// Output:
	// SystemLog:level=ERROR msg=panic type=string value=[scrubbed]
	// SystemLog:level=ERROR msg="panic frame" frame=0 function=github.com/conflog/conflog_test.ExampleHandlePanic.func2
}
