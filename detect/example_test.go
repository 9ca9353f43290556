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
	set, err := detect.NewSet("card", "iban", "ipv4")
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

func ExampleNewSet() {
	set, err := detect.NewSet("email", "phone")
	if err != nil {
		panic(err)
	}
	for _, d := range set.Detectors() {
		fmt.Println(d.Name(), d.Confidence())
	}
	_, err = detect.NewSet("passport")
	fmt.Println(err != nil)
	// Output:
	// email high
	// phone low
	// true
}
