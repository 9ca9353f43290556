package gocrash

import (
	"strings"
	"testing"
)

// TestPath: the path rule, on the home directories issue 9 names and on
// real module-cache and GOROOT paths, which must stay useful.
func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"/home/alice.smith/src/job/main.go":                         "~/src/job/main.go",
		"/home2/alice/job/main.go":                                  "~/job/main.go",
		"/var/home/alice/job/main.go":                               "~/job/main.go",
		"/export/home/alice/main.go":                                "~/main.go",
		"/usr/home/alice/main.go":                                   "~/main.go",
		"/Users/alice/main.go":                                      "~/main.go",
		`C:\Users\alice\job\main.go`:                                `~\job\main.go`,
		"c:/users/alice/job/main.go":                                "~/job/main.go",
		"/root/job/main.go":                                         "~/job/main.go",
		"/home/alice":                                               "~",
		"/data/Jane Doe, 10 Main St/x.go":                           "/data/[scrubbed]/x.go",
		"/data/jane@example.com/x.go":                               "/data/[scrubbed]/x.go",
		"/data/cust_0780511/x.go":                                   "/data/[scrubbed]/x.go",
		"/data/zoë/x.go":                                            "/data/[scrubbed]/x.go",
		"/usr/local/go/src/runtime/panic.go":                        "/usr/local/go/src/runtime/panic.go",
		"/root/go/pkg/mod/golang.org/x/sys@v0.49.0/unix/syscall.go": "~/go/pkg/mod/golang.org/x/sys@v0.49.0/unix/syscall.go",
		"/go/pkg/mod/github.com/a/b@v0.0.0-20231010123456-abcdef123456/b.go": "/go/pkg/mod/github.com/a/b@v0.0.0-20231010123456-abcdef123456/b.go",
		"/src/job/main_test.go": "/src/job/main_test.go",
		"/homework/job/main.go": "/homework/job/main.go",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFuncName: symbols pass; a name holding what no symbol holds, or an
// import path that does not read as code, is scrubbed.
func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"main.main":                        "main.main",
		"github.com/a/b.(*T).M-fm":         "github.com/a/b.(*T).M-fm",
		"main.F[...]":                      "main.F[...]",
		"main.main.func1.2":                "main.main.func1.2",
		"main.jane doe":                    Scrubbed,
		"example.com/jane@example.com/x.F": Scrubbed,
		"":                                 Scrubbed,
	} {
		if got := FuncName(in); got != want {
			t.Errorf("FuncName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRuntimeMessage: the class stays, the numbers and types go.
func TestRuntimeMessage(t *testing.T) {
	for in, want := range map[string]string{
		"runtime error: index out of range [41111111] with length 3": "runtime error: index out of range [scrubbed]",
		"runtime error: integer divide by zero":                      "runtime error: integer divide by zero",
		"assignment to entry in nil map":                             "assignment to entry in nil map",
		"interface conversion: interface {} is string, not int":      "interface conversion [scrubbed]",
		"runtime error: row 41111111 is bad":                         "runtime error: [scrubbed]",
		"index out of range":                                         "index out of range",
		"anything else":                                              Scrubbed,
	} {
		if got := RuntimeMessage(in); got != want {
			t.Errorf("RuntimeMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzPath: whatever the user name under any home directory, and whatever
// follows, the name never survives, and every component of the result is
// code, "~" or Scrubbed.
func FuzzPath(f *testing.F) {
	f.Add(uint8(0), "alice.smith", "src/job/main.go")
	f.Add(uint8(6), "Jane Doe", `job\main.go`)
	f.Add(uint8(9), "x", "")
	f.Fuzz(func(t *testing.T, home uint8, user, rest string) {
		if user == "" || strings.ContainsAny(user, `/\`) {
			return
		}
		forms := []string{"/home/", "/home2/", "/var/home/", "/export/home/", "/usr/home/", "/Users/", `C:\Users\`, "c:/users/", "C:/Users/"}
		h := forms[int(home)%len(forms)]
		sep := h[len(h)-1:]
		out := Path(h + user + sep + rest)
		if !strings.HasPrefix(out, "~") {
			t.Fatalf("Path(%q) = %q: home kept", h+user+sep+rest, out)
		}
		for _, c := range strings.FieldsFunc(out[1:], func(r rune) bool { return r == '/' || r == '\\' }) {
			if c != Scrubbed && !isCodeComponent(c) {
				t.Fatalf("Path(%q) = %q: component %q", h+user+sep+rest, out, c)
			}
		}
		if !strings.Contains(rest, user) && !strings.Contains("~"+Scrubbed, user) && strings.Contains(out, user) {
			t.Fatalf("Path(%q) = %q: user name kept", h+user+sep+rest, out)
		}
	})
}

// FuzzRuntimeMessage: the result is a constant, a class with Scrubbed, or
// Scrubbed, after the runtime's prefix if it had one: nothing of the tail.
func FuzzRuntimeMessage(f *testing.F) {
	f.Add("runtime error: index out of range [7] with length 3")
	f.Add("interface conversion: x")
	f.Fuzz(func(t *testing.T, msg string) {
		out := strings.TrimPrefix(RuntimeMessage(msg), RuntimeErrorPrefix)
		if out == Scrubbed || ConstMessages[out] {
			return
		}
		for _, c := range RuntimeClasses {
			if out == c || out == c+" "+Scrubbed {
				return
			}
		}
		t.Fatalf("RuntimeMessage(%q) = %q", msg, out)
	})
}
