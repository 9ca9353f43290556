package traceback

import "testing"

// TestPathRule pins appendPath on the home directories the issue names and
// on components that are not code (issue 9).
func TestPathRule(t *testing.T) {
	for in, want := range map[string]string{
		"/home/jane/job/train.py":             "~/job/train.py",
		"/home2/jane/job/train.py":            "~/job/train.py",
		"/var/home/jane/job/train.py":         "~/job/train.py",
		"/export/home/jane/job/train.py":      "~/job/train.py",
		"/usr/home/jane/job/train.py":         "~/job/train.py",
		"/Users/jane/job/train.py":            "~/job/train.py",
		`C:\Users\jane\job\train.py`:          `~\job\train.py`,
		"c:/users/jane/job/train.py":          "~/job/train.py",
		"/root/job/train.py":                  "~/job/train.py",
		"/app/users/views.py":                 "/app/users/views.py", // a Django app, no home below it
		"/data/Jane Doe, 10 Main St/x.py":     "/data/[scrubbed]/x.py",
		"/data/jane.doe@example.com/x.py":     "/data/[scrubbed]/x.py",
		"/data/customers/078051121/x.py":      "/data/customers/[scrubbed]/x.py",
		"/data/078-05-1121/x.py":              "/data/[scrubbed]/x.py",
		"/runs/2024-05-01/x.py":               "/runs/[scrubbed]/x.py",
		"/data/José/x.py":                     "/data/[scrubbed]/x.py",
		"/usr/lib/python3.11/json/decoder.py": "/usr/lib/python3.11/json/decoder.py",
		"/opt/conda/envs/py310/lib/python3.10/site-packages/torch/nn/modules/module.py": "/opt/conda/envs/py310/lib/python3.10/site-packages/torch/nn/modules/module.py",
		"/root/go/pkg/mod/golang.org/x/net@v0.20.0/http2/server.go":                     "~/go/pkg/mod/golang.org/x/net@v0.20.0/http2/server.go",
		"/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go":                     "/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go",
		"pandas/_libs/index.pyx":         "pandas/_libs/index.pyx",
		"<frozen runpy>":                 "<frozen runpy>",
		"<__array_function__ internals>": "<__array_function__ internals>",
		"<Jane Doe>":                     "<[scrubbed]>",
	} {
		got := string(appendPath(nil, []byte(in)))
		if got != want {
			t.Errorf("appendPath(%q) = %q, want %q", in, got, want)
		}
		if err := checkPath(got); err != nil {
			t.Errorf("appendPath(%q) = %q fails the grammar: %v", in, got, err)
		}
	}
}

// TestNameRule pins the name grammar on real names and on data.
func TestNameRule(t *testing.T) {
	for name, want := range map[string]bool{
		"<module>": true, "f.<locals>.g": true, "<listcomp>": true, "numpy.linalg.LinAlgError": true,
		"pandas._libs.index.IndexEngine.get_loc": true, "numpy.random._mt19937": true,
		"jane doe": false, "my-plugin.Error": false, "Jane_Doe_SSN_078051121": false, "José": false, "": false, "a..b": false,
	} {
		if got := isPyName([]byte(name)); got != want {
			t.Errorf("isPyName(%q) = %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{
		"main.main": true, "main.(*T).M": true, "main.(*Pool[...]).Get": true, "main.main.func1.2": true,
		"main.T.M-fm": true, "gopkg.in/yaml%2ev3.(*parser).parse": true, "panic": true,
		"github.com/foo-bar/baz/v2.F": true, "main.glob..func1": true, "runtime/debug.PrintStack": true,
		"main.jane doe": false, "main.f078051121": false, "main.(T": false, "/main.f": false, "main.": false,
	} {
		if got := isGoSymbol([]byte(name)); got != want {
			t.Errorf("isGoSymbol(%q) = %v, want %v", name, got, want)
		}
	}
}
