package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestTrainLines: the example's public lines are exactly these, and no
// customer data is in any of them; its private lines carry the data.
func TestTrainLines(t *testing.T) {
	t.Setenv("TRAIN_PSEUDONYM_KEY", "")
	var out bytes.Buffer
	if code := run([]string{"-stable"}, &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	var public, private []string
	for _, l := range strings.SplitAfter(out.String(), "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, "SystemLog:"):
			public = append(public, l)
		default:
			private = append(private, l)
		}
	}
	wantPublic := []string{
		"SystemLog:level=INFO msg=flags batch=4 epochs=3 lr=0.2\n",
		`SystemLog:level=WARN msg="customer data unavailable, using the synthetic set" err="open [scrubbed]: *fs.PathError: [scrubbed]: syscall.Errno: no such file or directory" rows=8` + "\n",
		`SystemLog:level=INFO msg="sample row" customer=pn:6027f6cad21d1ad3 text="string len=46" email=*****************.com` + "\n",
		`SystemLog:level=INFO msg="first batch" rows="[]main.row len=4" features="[]float32 len=2"` + "\n",
		"SystemLog:level=INFO msg=\"epoch finished\" epoch=1 loss=3.07\n",
		"SystemLog:level=INFO msg=\"epoch finished\" epoch=2 loss=0.8193\n",
		"SystemLog:level=INFO msg=\"epoch finished\" epoch=3 loss=0.4087\n",
		"SystemLog:level=INFO msg=\"training finished\" epochs=3 final_loss=0.4087\n",
	}
	if strings.Join(public, "") != strings.Join(wantPublic, "") {
		t.Errorf("public lines:\n%s\nwant:\n%s", strings.Join(public, ""), strings.Join(wantPublic, ""))
	}
	for _, l := range public {
		for _, secret := range []string{"Jane", "Main St", "4111", "customer0", "/secure"} {
			if strings.Contains(l, secret) {
				t.Errorf("public line holds %q: %s", secret, l)
			}
		}
	}
	joined := strings.Join(private, "")
	for _, want := range []string{"Jane Doe, 10 Main St", "customer0@example.com", "open /secure/customers.csv", "data=/secure/customers.csv"} {
		if !strings.Contains(joined, want) {
			t.Errorf("private lines lack %q:\n%s", want, joined)
		}
	}
}

// TestTrainBadFlags: a usage error exits 2.
func TestTrainBadFlags(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-epochs=0"}, &out); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
