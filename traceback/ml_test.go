package traceback

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mlTraces are the real traces in testdata/ml: each *.stderr is what
// Debian's python3 printed running the *.py beside it from
// "/home/CANARY/ml jobs/Jane Doe 078051121/" (a home directory, spaces, an
// id), with numpy 1.24, pandas 1.5 and torch 1.13. The table says what must
// survive the scrubbing: the exception types in order, the number of frames,
// the chain separators.
var mlTraces = []struct {
	name   string
	types  []string
	frames int
	seps   int
}{
	{"numpy_linalg", []string{"numpy.linalg.LinAlgError"}, 5, 0},
	{"pandas_keyerror", []string{"KeyError", "KeyError"}, 9, 1},
	{"pandas_csv", []string{"pandas.errors.ParserError"}, 11, 0},
	{"torch_linear", []string{"RuntimeError"}, 5, 0},
	{"torch_dataloader", []string{"ValueError"}, 5, 0}, // the worker's trace is inside the message
	{"torch_backward", []string{"RuntimeError"}, 4, 0},
	{"handled_then_crash", []string{"ValueError", "IndexError"}, 2, 0},
	{"faulthandler_numpy", nil, 3, 0},
}

// private holds what no public line of the ML traces may contain: the home
// directory's user, the directory with the person's name and id, the
// messages' data.
var mlPrivate = regexp.MustCompile(`CANARY|Jane|John|078|ml jobs|customer|Singular|shapes|patient|Expected`)

// TestRealMLTraces: the real traces keep their frames (with line numbers and
// function names), exception types and chain separators; every public line
// passes the grammar; nothing private gets out.
func TestRealMLTraces(t *testing.T) {
	for _, tc := range mlTraces {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "ml", tc.name+".stderr"))
			if err != nil {
				t.Fatal(err)
			}
			r := runGate(t, New(Options{}), raw)
			checkGolden(t, "ml_"+tc.name, r.emitted)
			var types []string
			frames, seps := 0, 0
			for _, l := range r.emitted {
				if mlPrivate.MatchString(l) {
					t.Errorf("public line holds private text: %q", l)
				}
				switch {
				case strings.HasPrefix(l, `  File "`):
					frames++
				case l == pyCause || l == pyContext:
					seps++
				case strings.HasSuffix(l, ": [scrubbed]"):
					types = append(types, strings.TrimSuffix(l, ": [scrubbed]"))
				}
			}
			if frames != tc.frames || seps != tc.seps || !slices.Equal(types, tc.types) {
				t.Errorf("got %d frames, %d separators, types %q; want %d, %d, %q", frames, seps, types, tc.frames, tc.seps, tc.types)
			}
			// Each public frame is a real frame with its line number and
			// function name, in the order of the raw trace.
			rawFrames := regexp.MustCompile(`(?m)^  File "[^"]*", line (\d+),? in (\S+)$`).FindAllStringSubmatch(string(raw), -1)
			i := 0
			for _, l := range r.emitted {
				if !strings.HasPrefix(l, `  File "`) {
					continue
				}
				for i < len(rawFrames) && !strings.HasSuffix(l, "line "+rawFrames[i][1]+", in "+rawFrames[i][2]) &&
					!strings.HasSuffix(l, "line "+rawFrames[i][1]+" in "+rawFrames[i][2]) {
					i++ // a frame of the message (torch's worker trace) is not emitted
				}
				if i == len(rawFrames) {
					t.Fatalf("public frame %q has no raw frame with its line and function", l)
				}
				i++
			}
		})
	}
}
