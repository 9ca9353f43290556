// Command cputime compares the CPU time (user+sys, the process and every
// child it waited for, from wait4's rusage) of two commands run in turn, so
// that the load of a shared machine falls on both alike:
//
//	cputime [-n 20] [-w 2] [-prepare 'sh command'] -- CMD A ARGS -- CMD B ARGS
//
// It prints each command's mean and median and the ratio A/B of the means
// with a 95% bootstrap interval (resampling the runs of each command). A
// command's exit status is not checked (conflog vet exits 1 on findings);
// one that cannot start is an error. -prepare runs through sh before every
// timed run of either command and is not counted.
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 20, "timed runs of each command")
	warm := flag.Int("w", 2, "untimed warm-up runs of each command")
	prepare := flag.String("prepare", "", "sh command run before every run, not timed")
	flag.Parse()
	a, b, err := split(flag.Args())
	if err != nil || *n < 2 {
		fmt.Fprintf(os.Stderr, "cputime: %v\nusage: cputime [-n N] [-w N] [-prepare CMD] -- A ARGS -- B ARGS\n", cmpErr(err))
		os.Exit(2)
	}
	var ta, tb []float64
	for i := range *warm + *n {
		for j, cmd := range [][]string{a, b} {
			if *prepare != "" {
				if out, err := exec.Command("sh", "-c", *prepare).CombinedOutput(); err != nil {
					fail(fmt.Errorf("prepare: %v\n%s", err, out))
				}
			}
			t, err := cpu(cmd)
			if err != nil {
				fail(err)
			}
			if i < *warm {
				continue
			}
			if j == 0 {
				ta = append(ta, t)
			} else {
				tb = append(tb, t)
			}
		}
	}
	fmt.Printf("A %s: mean %.3f s, median %.3f s CPU (%d runs)\n", strings.Join(a, " "), mean(ta), median(ta), len(ta))
	fmt.Printf("B %s: mean %.3f s, median %.3f s CPU (%d runs)\n", strings.Join(b, " "), mean(tb), median(tb), len(tb))
	lo, hi := bootstrap(ta, tb)
	fmt.Printf("A/B %.2fx (95%% interval %.2f-%.2fx)\n", mean(ta)/mean(tb), lo, hi)
}

func cmpErr(err error) error {
	if err == nil {
		return errors.New("-n must be at least 2")
	}
	return err
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "cputime: %v\n", err)
	os.Exit(1)
}

// split reads "-- A ARGS -- B ARGS" (flag.Parse has eaten the first "--").
func split(args []string) (a, b []string, err error) {
	i := slices.Index(args, "--")
	if i < 1 || i == len(args)-1 {
		return nil, nil, errors.New("want two commands: -- A ARGS -- B ARGS")
	}
	return args[:i], args[i+1:], nil
}

// cpu runs a command with its output discarded and returns its user+sys
// seconds, its waited-for children's included.
func cpu(cmd []string) (float64, error) {
	c := exec.Command(cmd[0], cmd[1:]...)
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return 0, fmt.Errorf("%s: %w", cmd[0], err)
		}
	}
	return (c.ProcessState.UserTime() + c.ProcessState.SystemTime()).Seconds(), nil
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// bootstrap is the 2.5th and 97.5th percentiles of mean(A*)/mean(B*) over
// 10000 resamples with replacement of each command's runs.
func bootstrap(a, b []float64) (lo, hi float64) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	res := func(x []float64) float64 {
		s := 0.0
		for range x {
			s += x[r.IntN(len(x))]
		}
		return s / float64(len(x))
	}
	ratios := make([]float64, 10000)
	for i := range ratios {
		ratios[i] = res(a) / res(b)
	}
	slices.Sort(ratios)
	return ratios[len(ratios)*25/1000], ratios[len(ratios)*975/1000]
}
