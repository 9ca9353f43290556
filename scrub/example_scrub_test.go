package scrub_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/conflog/conflog/scrub"
)

func Example() {
	f, err := scrub.New(os.Stdout, scrub.Options{Prefix: "SystemLog:"})
	if err != nil {
		panic(err)
	}
	f.Write([]byte("SystemLog: epoch 1 loss=0.31\n"))
	f.Write([]byte("row text: alice@example.com\n"))        // private: no prefix
	f.Write([]byte(" 40%|####      |\r 80%|########  |\r")) // a progress bar: private
	f.Write([]byte("\x1b[32mSystemLog: eval ok\x1b[0m\n"))  // colours removed
	f.Write([]byte("SystemLog: last line, no newline"))
	f.Close()
	st := f.Stats()
	fmt.Printf("passed=%d private=%d\n", st.Passed, st.Private)
	// Output:
	// SystemLog: epoch 1 loss=0.31
	// SystemLog: eval ok
	// SystemLog: last line, no newline
	// passed=3 private=3
}

func ExampleFilter_ReadFrom() {
	f, _ := scrub.New(os.Stdout, scrub.Options{Prefix: "SystemLog:", MaxLine: 19, Private: printSink{}})
	in := "SystemLog: short\nSystemLog: much too long for the limit\nSystemLog: next\n"
	f.ReadFrom(strings.NewReader(in))
	f.Close()
	st := f.Stats()
	fmt.Println("cut:", st.Cut, "bytes to the sink:", st.CutBytes)
	// Output:
	// private: " long for the limit"
	// SystemLog: short
	// SystemLog: much too
	// SystemLog: next
	// cut: 1 bytes to the sink: 19
}

// printSink shows what reaches the private sink: here, the rest of the cut
// line, in pieces of at most MaxLine bytes. (It prints first: the filter
// writes its public output once per Write.)
type printSink struct{}

func (printSink) Line(line []byte) error {
	fmt.Printf("private: %q\n", line)
	return nil
}

func ExampleOpenFile() {
	dir, _ := os.MkdirTemp("", "scrub")
	defer os.RemoveAll(dir)
	sink, err := scrub.OpenFile(dir + "/private.log")
	if err != nil {
		panic(err)
	}
	f, _ := scrub.New(os.Stdout, scrub.Options{Prefix: "SystemLog:", Private: sink})
	f.Write([]byte("SystemLog: public\ncustomer row 17\n"))
	f.Close()
	sink.Close()
	b, _ := os.ReadFile(dir + "/private.log")
	fi, _ := os.Stat(dir + "/private.log")
	fmt.Printf("private file (%v): %s", fi.Mode().Perm(), b)
	// Output:
	// SystemLog: public
	// private file (-rw-------): customer row 17
}

func ExampleCheckPrefix() {
	fmt.Println(scrub.CheckPrefix("SystemLog:"))
	fmt.Println(scrub.CheckPrefix("System\nLog:"))
	// Output:
	// <nil>
	// prefix "System\nLog:" holds a line break: a public line must be one line
}
