//go:build race

package conflog

const raceEnabled = true
