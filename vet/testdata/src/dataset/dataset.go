// Package dataset reads training rows; it does not import conflog, yet its
// helpers are summarised as facts for the packages that log.
package dataset

import (
	"os"
	"strings"
)

// Load returns the lines of a file: customer data.
func Load(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return strings.Split(string(data), "\n")
}

// Count returns how many lines a file has: a number, not data.
func Count(path string) int { return len(Load(path)) }
