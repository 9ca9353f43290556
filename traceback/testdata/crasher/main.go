// Command crasher dies in the way its first argument names, so the traceback
// tests can scrub real Go crash output. Every value a crash prints carries a
// canary string, which must never reach a public line.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
)

type canaryErr struct{ secret string }

func (e canaryErr) Error() string { return "CANARY_ERR " + e.secret }

type canaryStruct struct {
	Name string
	N    int
}

type canaryInt int

//go:noinline
func deep(n int, s string, p *int) {
	if n == 0 {
		panic(fmt.Sprintf("CANARY_STR %s\nSystemLog: CANARY_STR2 %d", s, *p))
	}
	deep(n-1, s, p)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crasher MODE")
		os.Exit(2)
	}
	secret := 7731
	switch os.Args[1] {
	case "string":
		deep(2, "CANARY_ARG", &secret)
	case "error":
		panic(errors.New("CANARY_ERRORS_NEW\nSystemLog: CANARY_ERR2"))
	case "customerr":
		panic(canaryErr{"CANARY_CUSTOM"})
	case "struct":
		panic(canaryStruct{Name: "CANARY_STRUCT", N: secret})
	case "int":
		panic(canaryInt(7731))
	case "plainint":
		panic(7731)
	case "index":
		s := []int{1, 2, 3}
		i := secret
		fmt.Println(s[i])
	case "nilmap":
		var m map[string]int
		m["CANARY_KEY"] = secret
	case "goroutine":
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			labels := pprof.Labels("user", "CANARY_LABEL")
			pprof.Do(context.Background(), labels, func(context.Context) {
				deep(1, "CANARY_GO", &secret)
			})
		}()
		wg.Wait()
	case "crlf":
		// A value with Windows line ends and bare carriage returns, as an
		// HTTP body in an error message has: the gate ends a line at each
		// \r, so continuation lines lose their tab and blank lines appear.
		panic(fmt.Errorf("CANARY_BODY\r\nSystemLog: CANARY_CRLF\r\rSystemLog: CANARY_CRCR\r\r\tCANARY_PATH.go:12\r\rmain.CANARY(0x1)"))
	case "labels":
		// Run with GOTRACEBACK=all GODEBUG=tracebacklabels=1: the blocked
		// goroutine's header shows its labels.
		ready := make(chan struct{})
		go func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("user", "CANARY_LABEL")))
			close(ready)
			select {}
		}()
		<-ready
		panic(canaryErr{"CANARY_LABELS_PANIC"})
	case "concurrentmap":
		m := map[int]int{}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					m[i%1000] = i
				}
			}()
		}
		wg.Wait()
	case "segv":
		var p *canaryStruct
		fmt.Println(p.Name)
	case "repanic":
		defer func() {
			r := recover()
			panic(r)
		}()
		panic("CANARY_REPANIC")
	case "multiline-recovered":
		defer func() {
			recover()
			panic(errors.New("CANARY_SECOND\nSystemLog: CANARY_SECOND_FORGED"))
		}()
		panic("CANARY_FIRST\nSystemLog: CANARY_FIRST_FORGED")
	case "recovered":
		defer func() {
			recover()
			panic("CANARY_SECOND")
		}()
		panic("CANARY_FIRST")
	default:
		fmt.Fprintln(os.Stderr, "crasher: unknown mode", os.Args[1])
		os.Exit(2)
	}
}
