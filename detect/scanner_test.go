package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const scanLog = `2026-11-23T17:14:33Z INFO epoch=1 loss=0.2513 user=bob@example.org
2026-11-23T17:14:34Z INFO card 4111 1111 1111 1111 charged, ip 10.0.0.1
2026-11-23T17:14:35Z WARN {"password": "Xk9#mP2$vL8q", "step": 12000}
no newline at the end: AKIAZ2X7QJ4MRT5NV6WB`

type scanned struct {
	segs     []byte
	findings []Finding
}

func scanAll(t testing.TB, s *Set, r io.Reader, window int) scanned {
	t.Helper()
	sc := s.NewScanner(r)
	if window > 0 {
		sc.window = window
	}
	var out scanned
	for sc.Scan() {
		out.segs = append(out.segs, sc.Segment()...)
		out.findings = append(out.findings, sc.Findings()...)
		if sc.Offset() != int64(len(out.segs)) {
			t.Fatalf("Offset() = %d after %d bytes", sc.Offset(), len(out.segs))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFindings guards the position promise: every finding lies in the
// input and its Line and Col agree with its Offset.
func checkFindings(t testing.TB, in []byte, fs []Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Offset < 0 || f.Len <= 0 || f.Offset+int64(f.Len) > int64(len(in)) {
			t.Fatalf("finding %+v outside input of %d bytes", f, len(in))
		}
		before := in[:f.Offset]
		line := bytes.Count(before, []byte("\n")) + 1
		col := len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
		if f.Line != line || f.Col != col {
			t.Fatalf("finding %+v: want line %d col %d", f, line, col)
		}
		if bytes.IndexByte(in[f.Offset:f.Offset+int64(f.Len)], '\n') >= 0 {
			t.Fatalf("finding %+v spans a newline", f)
		}
	}
}

// TestScannerChunking guards line alignment: however the reader splits the
// input, the findings are the same, at the same positions, and the segments
// concatenate to the input.
func TestScannerChunking(t *testing.T) {
	s := mustSet(t, "all")
	want := scanAll(t, s, strings.NewReader(scanLog), 0)
	var names []string
	for _, f := range want.findings {
		names = append(names, f.Detector)
	}
	if got := strings.Join(names, " "); got != "email card ipv4 credential aws-key" {
		t.Fatalf("findings %s", got)
	}
	checkFindings(t, []byte(scanLog), want.findings)
	for name, r := range map[string]io.Reader{
		"one-byte": iotest.OneByteReader(strings.NewReader(scanLog)),
		"half":     iotest.HalfReader(strings.NewReader(scanLog)),
		"data-err": iotest.DataErrReader(strings.NewReader(scanLog)),
	} {
		got := scanAll(t, s, r, 0)
		if string(got.segs) != scanLog {
			t.Errorf("%s: segments do not concatenate to the input", name)
		}
		if fmt.Sprint(got.findings) != fmt.Sprint(want.findings) {
			t.Errorf("%s: findings\n%v\nwant\n%v", name, got.findings, want.findings)
		}
	}
}

// TestScannerMatchesFind guards that the stream and the per-line API agree.
func TestScannerMatchesFind(t *testing.T) {
	s := mustSet(t, "all")
	got := scanAll(t, s, strings.NewReader(scanLog), 0)
	var want []Finding
	off := int64(0)
	for i, l := range strings.SplitAfter(scanLog, "\n") {
		for _, f := range s.Find([]byte(strings.TrimSuffix(l, "\n")), nil) {
			f.Line = i + 1
			f.Offset += off
			want = append(want, f)
		}
		off += int64(len(l))
	}
	if fmt.Sprint(got.findings) != fmt.Sprint(want) {
		t.Fatalf("scanner\n%v\nFind\n%v", got.findings, want)
	}
}

// TestScannerLongLine guards the window rule for lines longer than the
// window: every value of up to MaxValue bytes is found exactly once, wherever
// it falls relative to the window edges, and memory does not grow.
func TestScannerLongLine(t *testing.T) {
	s := mustSet(t, "email", "card")
	const window = 3 * MaxValue
	step := window - MaxValue
	var line bytes.Buffer
	var want []int64
	value := "someone.long.name@example-mail.org"
	filler := "lorem ipsum 0.25 "
	for len(want) < 40 {
		// Plant values around every window edge, at every few offsets.
		edge := (len(want)/8 + 1) * step
		off := edge - len(value) + (len(want)%8)*5
		for line.Len() < off {
			line.WriteString(filler[line.Len()%len(filler):][:1])
		}
		line.WriteString(" ")
		want = append(want, int64(line.Len()))
		line.WriteString(value)
		line.WriteString(" ")
	}
	line.WriteString("tail\ncard 4111111111111111\n")
	in := line.Bytes()
	got := scanAll(t, s, bytes.NewReader(in), window)
	if !bytes.Equal(got.segs, in) {
		t.Fatal("segments do not concatenate to the input")
	}
	checkFindings(t, in, got.findings)
	var offs []int64
	for _, f := range got.findings {
		if f.Detector == "email" {
			if f.Len != len(value) {
				t.Errorf("email at %d has length %d, want %d", f.Offset, f.Len, len(value))
			}
			offs = append(offs, f.Offset)
		}
	}
	if fmt.Sprint(offs) != fmt.Sprint(want) {
		t.Fatalf("emails at\n%v\nwant\n%v", offs, want)
	}
	if last := got.findings[len(got.findings)-1]; last.Detector != "card" || last.Line != 2 || last.Col != 6 {
		t.Fatalf("last finding %+v, want card at 2:6", last)
	}
}

// endless is an unbounded line of filler.
type endless struct{ n, limit int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n >= e.limit {
		return 0, io.EOF
	}
	n := min(len(p), e.limit-e.n)
	for i := range n {
		p[i] = "abc "[(e.n+i)%4]
	}
	e.n += n
	return n, nil
}

// TestScannerBoundedMemory guards the memory bound: a 16 MiB line without a
// newline never grows the buffer.
func TestScannerBoundedMemory(t *testing.T) {
	s := mustSet(t)
	sc := s.NewScanner(&endless{limit: 16 << 20})
	segs := 0
	var size int
	for sc.Scan() {
		if segs == 0 {
			size = cap(sc.buf)
		}
		segs++
		if cap(sc.buf) != size {
			t.Fatalf("buffer grew from %d to %d", size, cap(sc.buf))
		}
	}
	if size != MaxValue+MaxLine+readChunk || segs < 16 {
		t.Fatalf("buffer %d bytes, %d segments", size, segs)
	}
}

// TestScannerPEM guards multi-line private keys: every line of the block,
// BEGIN to END, is reported, and the line after it is scanned as usual.
func TestScannerPEM(t *testing.T) {
	in := "loading key\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\nProc-Type: 4,ENCRYPTED\n\nq2x9AbCd==\n-----END RSA PRIVATE KEY----- done bob@example.org\nstep=1 loss=0.3\n"
	got := scanAll(t, mustSet(t), strings.NewReader(in), 0)
	checkFindings(t, []byte(in), got.findings)
	var lines []string
	for _, f := range got.findings {
		lines = append(lines, fmt.Sprintf("%d:%s", f.Line, f.Detector))
	}
	want := "2:private-key 3:private-key 4:private-key 6:private-key 7:private-key 7:email"
	if strings.Join(lines, " ") != want {
		t.Fatalf("findings %v, want %s", lines, want)
	}
	// A block cut short ends at the first line that cannot be in it.
	in = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nstep=1 loss=0.3 all good\n"
	got = scanAll(t, mustSet(t), strings.NewReader(in), 0)
	if len(got.findings) != 2 || got.findings[1].Line != 2 {
		t.Fatalf("cut block: %+v", got.findings)
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	sc := mustSet(t).NewScanner(io.MultiReader(strings.NewReader("bob@example.org\npartial"), iotest.ErrReader(boom)))
	n := 0
	for sc.Scan() {
		n += len(sc.Findings())
	}
	if !errors.Is(sc.Err(), boom) || n != 1 {
		t.Fatalf("Err() = %v after %d findings, want boom after 1", sc.Err(), n)
	}
}

// TestCheckerPEM guards the line-by-line path of the gate: a key's body
// lines after its BEGIN line are findings, and the block ends at END.
func TestCheckerPEM(t *testing.T) {
	c := mustSet(t).NewChecker()
	var got []bool
	for _, l := range strings.Split("step=1\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1\n-----END OPENSSH PRIVATE KEY-----\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1\nloss=0.3", "\n") {
		_, ok := c.Check([]byte(l))
		got = append(got, ok)
	}
	if fmt.Sprint(got) != "[false true true true true false false]" {
		t.Fatalf("findings per line %v", got)
	}
}
