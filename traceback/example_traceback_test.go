package traceback_test

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/conflog/conflog/traceback"
)

func Example() {
	private := `Traceback (most recent call last):
  File "/home/alice/job/train.py", line 12, in <module>
    load(row="alice@example.com")
ValueError: bad row alice@example.com
SystemLog: this line is part of the message`

	s := traceback.New(traceback.Options{})
	emit := func(public []byte) { fmt.Printf("SystemLog:%s\n", public) }
	for _, line := range strings.Split(private, "\n") {
		if strings.HasPrefix(line, "SystemLog:") && !s.InMessage() {
			fmt.Println(line) // an ordinary public line
			continue
		}
		s.Line([]byte(line), emit)
	}
	s.Flush(emit)
	fmt.Println("traces:", s.Traces())
	// Output:
	// SystemLog:Traceback (most recent call last):
	// SystemLog:  File "~/job/train.py", line 12, in <module>
	// SystemLog:ValueError: [scrubbed]
	// traces: 1
}

func ExampleScrubber_Line_goPanic() {
	private := "panic: runtime error: index out of range [7731] with length 3\n\n" +
		"goroutine 1 [running]:\n" +
		"main.lookup(0x1e33, {0xc000012345, 0x3, 0x3})\n" +
		"\t/home/alice/src/job/main.go:17 +0x1d\n" +
		"main.main()\n" +
		"\t/home/alice/src/job/main.go:9 +0x25\n" +
		"exit status 2"

	s := traceback.New(traceback.Options{})
	for _, line := range strings.Split(private, "\n") {
		s.Line([]byte(line), func(public []byte) { fmt.Printf("%s\n", public) })
	}
	// Output:
	// panic: runtime error: index out of range [scrubbed]
	// goroutine 1 [running]:
	// main.lookup(...)
	//     ~/src/job/main.go:17 +0x1d
	// main.main()
	//     ~/src/job/main.go:9 +0x25
	// exit status 2
}

func ExampleOptions_allow() {
	s := traceback.New(traceback.Options{Allow: regexp.MustCompile(`KeyboardInterrupt|torch\.cuda\.OutOfMemoryError`)})
	emit := func(public []byte) { fmt.Printf("%s\n", public) }
	for _, line := range []string{
		"Traceback (most recent call last):",
		`  File "/root/train.py", line 40, in step`,
		"torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
	} {
		s.Line([]byte(line), emit)
	}
	// Output:
	// Traceback (most recent call last):
	//   File "~/train.py", line 40, in step
	// torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB
}

func ExampleScrubber_InMessage() {
	s := traceback.New(traceback.Options{})
	discard := func([]byte) {}
	s.Line([]byte("Traceback (most recent call last):"), discard)
	s.Line([]byte(`  File "/srv/job/train.py", line 7, in <module>`), discard)
	s.Line([]byte("ValueError: first line of the message"), discard)
	fmt.Println(s.InMessage()) // the next line may continue the message
	s.Flush(discard)
	fmt.Println(s.InMessage()) // the stream ended
	// Output:
	// true
	// false
}

func ExampleScrubber_Flush() {
	s := traceback.New(traceback.Options{})
	emit := func(public []byte) { fmt.Printf("%s\n", public) }
	// A SyntaxError frame waits for its exception line; the stream ends
	// first, so it is dropped: alone, it is not known to be a trace.
	s.Line([]byte(`  File "/srv/job/config.py", line 3`), emit)
	s.Flush(emit)
	fmt.Println("traces:", s.Traces(), "in message:", s.InMessage())
	// Output:
	// traces: 0 in message: false
}

func ExampleScrubber_Traces() {
	s := traceback.New(traceback.Options{})
	discard := func([]byte) {}
	for _, line := range []string{
		"Traceback (most recent call last):",
		`  File "/srv/job/train.py", line 7, in <module>`,
		"ValueError: first",
		"",
		"The above exception was the direct cause of the following exception:",
		"",
		"Traceback (most recent call last):",
		`  File "/srv/job/train.py", line 9, in <module>`,
		"RuntimeError: second",
		"Traceback (most recent call last):", // no separator: a new trace
		`  File "/srv/job/train.py", line 12, in <module>`,
		"KeyError: third",
	} {
		s.Line([]byte(line), discard)
	}
	fmt.Println(s.Traces())
	// Output:
	// 2
}
