package traceback

import (
	"strings"
	"testing"
)

// TestDottedNumbersScrubbed: a path component or Go symbol whose digits,
// joined by '.', '-' or '_', make a number long enough to be an SSN, a
// phone, account or card number is scrubbed; version strings (a CUDA
// driver's libcuda.so.535.154.05 has eight digits) are kept. A Go module
// cache version is a semantic or pseudo-version, not any word after "@v".
func TestDottedNumbersScrubbed(t *testing.T) {
	for in, want := range map[string]string{
		"/src/4111.1111.1111.1111/main.go":                                                      "/src/[scrubbed]/main.go",
		"/src/card-4111.1111.1111.1111.go":                                                      "/src/[scrubbed]",
		"/data/078.05.1121/x.py":                                                                "/data/[scrubbed]/x.py",
		"/data/555.123.4567/x.py":                                                               "/data/[scrubbed]/x.py",
		"/data/192.168.100.200/x.py":                                                            "/data/[scrubbed]/x.py",
		"/x/4111.1111-1111_1111/x.py":                                                           "/x/[scrubbed]/x.py",
		"/usr/lib/libcudart.so.12.1.105/x.py":                                                   "/usr/lib/libcudart.so.12.1.105/x.py",
		"/usr/lib/libcuda.so.535.154.05/x.py":                                                   "/usr/lib/libcuda.so.535.154.05/x.py",
		"/sp/nvidia_cudnn_cu12-8.9.2.26.dist-info/x.py":                                         "/sp/nvidia_cudnn_cu12-8.9.2.26.dist-info/x.py",
		"/sp/torch-2.1.0+cu121/x.py":                                                            "/sp/torch-2.1.0+cu121/x.py",
		"/usr/lib/python3.11/x.py":                                                              "/usr/lib/python3.11/x.py",
		"/usr/lib/x86_64-linux-gnu/x.py":                                                        "/usr/lib/x86_64-linux-gnu/x.py",
		"/go/pkg/mod/example.com/x@v4111111111111111/main.go":                                   "/go/pkg/mod/example.com/[scrubbed]/main.go",
		"/go/pkg/mod/example.com/x@v0.4111.1111.1111.1111/a.go":                                 "/go/pkg/mod/example.com/[scrubbed]/a.go",
		"/go/pkg/mod/example.com/x@v1.jane_doe_078051121/a.go":                                  "/go/pkg/mod/example.com/[scrubbed]/a.go",
		"/go/pkg/mod/example.com/x@v1.0.0-4111111111111111/a.go":                                "/go/pkg/mod/example.com/[scrubbed]/a.go",
		"/go/pkg/mod/golang.org/x/net@v0.0.0-20240112175533-abcdef123456/a.go":                  "/go/pkg/mod/golang.org/x/net@v0.0.0-20240112175533-abcdef123456/a.go",
		"/go/pkg/mod/golang.org/x/net@v0.21.1-0.20240112175533-3a4b5c6d7e8f/a.go":               "/go/pkg/mod/golang.org/x/net@v0.21.1-0.20240112175533-3a4b5c6d7e8f/a.go",
		"/go/pkg/mod/golang.org/x/net@v1.2.3-rc.1.0.20240112175533-3a4b5c6d7e8f/a":              "/go/pkg/mod/golang.org/x/net@v1.2.3-rc.1.0.20240112175533-3a4b5c6d7e8f/a",
		"/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64/src/runtime/proc.go": "~/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64/src/runtime/proc.go",
		"/go/pkg/mod/github.com/x/y@v2.0.0+incompatible/a.go":                                   "/go/pkg/mod/github.com/x/y@v2.0.0+incompatible/a.go",
		"/go/pkg/mod/github.com/x/y@v1.9.0-beta.2/a.go":                                         "/go/pkg/mod/github.com/x/y@v1.9.0-beta.2/a.go",
		"/go/pkg/mod/golang.org/x/net@v0.0.0-41111111111111-abcdef123456/a.go":                  "/go/pkg/mod/golang.org/x/[scrubbed]/a.go",
		"/go/pkg/mod/golang.org/x/net@v0.0.0-20240112175533-411111111111/a.go":                  "/go/pkg/mod/golang.org/x/[scrubbed]/a.go",
	} {
		got := string(appendPath(nil, []byte(in)))
		if got != want {
			t.Errorf("appendPath(%q) = %q, want %q", in, got, want)
		}
		if err := checkPath(got); err != nil {
			t.Errorf("appendPath(%q) = %q fails the grammar: %v", in, got, err)
		}
	}
	for name, want := range map[string]bool{
		"main.4111.1111.1111.1111":                 false,
		"example.com/4111.1111.1111.1111/x.F":      false,
		"main.main.func1.2.3":                      true,
		"github.com/x/y/v2.(*T).M":                 true,
		"gopkg.in/yaml%2ev3.(*parser).parse":       true,
		"example.com/v1.2.3/x.F":                   true,
		"example.com/078.05.1121/x.F":              false,
		"main.main.func1.2.3.4.5.6.7.8.9.10.11.12": false,
	} {
		if got := isGoSymbol([]byte(name)); got != want {
			t.Errorf("isGoSymbol(%q) = %v, want %v", name, got, want)
		}
	}
	// The whole way: a strict-mode final trace printed by a job.
	in := "panic: x\n\ngoroutine 1 [running]:\nmain.4111.1111.1111.1111()\n\t/src/4111.1111.1111.1111/main.go:14 +0x3b\nmain.f()\n\t/go/pkg/mod/x.io/y@v4111111111111111/y.go:3 +0x1d"
	for _, l := range scrubLines(Options{}, in) {
		if strings.Contains(strings.NewReplacer(".", "").Replace(l), "41111111") {
			t.Errorf("%q carries the card number out", l)
		}
		if err := Check([]byte(l)); err != nil {
			t.Errorf("%q fails the grammar: %v", l, err)
		}
	}
	for _, l := range []string{
		"    /src/4111.1111.1111.1111/main.go:14 +0x3b",
		"main.4111.1111.1111.1111()",
		"    /go/pkg/mod/x.io/y@v4111111111111111/y.go:3",
		`  File "/data/078.05.1121/x.py", line 3, in f`,
	} {
		if Check([]byte(l)) == nil {
			t.Errorf("Check(%q) = nil, want an error", l)
		}
	}
}
