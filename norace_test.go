//go:build !race

package conflog

const raceEnabled = false
