// Command cgocrasher dies of a SIGSEGV in C code, as a job whose native
// extension crashes does: the Go runtime prints the signal, the goroutines
// and then the machine's registers, whose values can hold data.
package main

/*
static void crash(const char *row) { *(volatile char *)0 = row[0]; }
*/
import "C"

func main() {
	C.crash(C.CString("4111111111111111"))
}
