package detect_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/conflog/conflog/detect"
)

func ExampleSet_Check() {
	set, err := detect.NewSet() // the high-confidence detectors, as the gate uses them
	if err != nil {
		panic(err)
	}
	line := []byte("SystemLog: level=INFO msg=\"sent report\" to=jane.doe@example.com")
	if f, ok := set.Check(line); ok {
		fmt.Printf("blocked: %s at column %d\n", f.Detector, f.Col)
	}
	// Output:
	// blocked: email at column 44
}

func ExampleSet_Find() {
	ds, err := detect.Select("card", "iban", "ipv4")
	if err != nil {
		panic(err)
	}
	set, err := detect.NewSet(ds...)
	if err != nil {
		panic(err)
	}
	line := []byte("refund 4111-1111-1111-1111 to DE89 3704 0044 0532 0130 00 from 10.1.2.3")
	for _, f := range set.Find(line, nil) {
		v := line[f.Offset : f.Offset+int64(f.Len)]
		fmt.Println(f.Col, f.Detector, f.Confidence, detect.Mask(v))
	}
	// Output:
	// 8 card high ***************1111
	// 31 iban high ****************0 00
	// 64 ipv4 low ******.3
}

func ExampleMask() {
	fmt.Println(detect.Mask([]byte("4111111111111111")))
	fmt.Println(detect.Mask([]byte("10.0.0.1")))
	// Output:
	// ************1111
	// ******.1
}

func ExampleSet_NewScanner() {
	set, err := detect.NewSet()
	if err != nil {
		panic(err)
	}
	log := "epoch=1 loss=0.25\nuser=bob@example.org\nAWS_KEY=AKIAZ2X7QJ4MRT5NV6WB\n"
	sc := set.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		for _, f := range sc.Findings() {
			fmt.Printf("%d:%d %s\n", f.Line, f.Col, f.Detector)
		}
	}
	if err := sc.Err(); err != nil {
		panic(err)
	}
	// Output:
	// 2:6 email
	// 3:9 aws-key
}

func ExampleRedactor_Copy() {
	set, err := detect.NewSet()
	if err != nil {
		panic(err)
	}
	rd := &detect.Redactor{Set: set, Mode: detect.Replace}
	in := `{"user": "bob@example.org", "password": "Xk9#mP2$vL8q", "loss": 0.25}` + "\n"
	if err := rd.Copy(os.Stdout, strings.NewReader(in), nil); err != nil {
		panic(err)
	}
	// Output:
	// {"user": "<EMAIL>", "password": "<CREDENTIAL>", "loss": 0.25}
}

func ExampleTag() {
	fmt.Println(detect.Tag("aws-key"))
	// Output:
	// <AWS_KEY>
}

func ExampleParseMode() {
	m, err := detect.ParseMode("pseudonym")
	fmt.Println(m == detect.Pseudonym, err)
	// Output:
	// true <nil>
}

func ExampleDetectors() {
	for _, d := range detect.Detectors()[:3] {
		fmt.Println(d.Name(), d.Confidence())
	}
	// Output:
	// email high
	// card high
	// iban high
}

func ExampleSet_NewChecker() {
	set, err := detect.NewSet()
	if err != nil {
		panic(err)
	}
	c := set.NewChecker() // one per stream: it follows private-key blocks
	for _, line := range []string{
		"loading key",
		"-----BEGIN EC PRIVATE KEY-----",
		"MHcCAQEEIBkg4LVWM9nuwNSkVk2N",
		"-----END EC PRIVATE KEY-----",
		"epoch=1 loss=0.25",
	} {
		_, found := c.Check([]byte(line))
		fmt.Println(found, line[:min(len(line), 16)])
	}
	// Output:
	// false loading key
	// true -----BEGIN EC PR
	// true MHcCAQEEIBkg4LVW
	// true -----END EC PRIV
	// false epoch=1 loss=0.2
}

func ExampleLookup() {
	d, _ := detect.Lookup("card")
	fmt.Println(d.Validate([]byte("4111 1111 1111 1111")), d.Validate([]byte("4111 1111 1111 1112")))
	// Output:
	// true false
}

func ExampleNames() {
	fmt.Println(detect.Names(detect.High)[:4])
	// Output:
	// [email card iban ssn]
}

func ExampleSelect() {
	ds, err := detect.Select("email", "phone")
	if err != nil {
		panic(err)
	}
	set, err := detect.NewSet(ds...)
	if err != nil {
		panic(err)
	}
	for _, d := range set.Detectors() {
		fmt.Println(d.Name(), d.Confidence())
	}
	_, err = detect.Select("passport")
	fmt.Println(err != nil)
	// Output:
	// email high
	// phone low
	// true
}

// acmeKey is a detector of the caller's own: Acme's API keys, "acme_" and
// 24 hex digits, whose last two digits are the sum of the others mod 256.
type acmeKey struct{}

func (acmeKey) Name() string                  { return "acme-key" }
func (acmeKey) Confidence() detect.Confidence { return detect.High }
func (acmeKey) Literals() []string            { return []string{"acme_"} }

func (acmeKey) Extent(line []byte, start, end int) (int, int, bool) {
	e := end
	for e < len(line) && strings.IndexByte("0123456789abcdef", line[e]) >= 0 {
		e++
	}
	return start, e, e-end == 24
}

func (acmeKey) Validate(v []byte) bool {
	hex, ok := strings.CutPrefix(string(v), "acme_")
	if !ok || len(hex) != 24 {
		return false
	}
	var sum, check int
	for i := 0; i < 22; i += 2 {
		var b int
		fmt.Sscanf(hex[i:i+2], "%02x", &b)
		sum += b
	}
	fmt.Sscanf(hex[22:], "%02x", &check)
	return sum%256 == check
}

func ExampleNewSet() {
	email, _ := detect.Lookup("email")
	set, err := detect.NewSet(email, acmeKey{})
	if err != nil {
		panic(err)
	}
	for _, line := range []string{
		"deploy key=acme_0102030405060708090a0b42 by ops@example.com",
		"deploy key=acme_0102030405060708090a0b43", // wrong check digits
	} {
		for _, f := range set.Find([]byte(line), nil) {
			fmt.Println(f.Col, f.Detector)
		}
	}
	// Output:
	// 12 acme-key
	// 45 email
}
