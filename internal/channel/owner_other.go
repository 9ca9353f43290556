//go:build !unix

package channel

import "io/fs"

// owner cannot tell a file's owner here, so no channel can be proven: every
// client falls back (conflog run itself needs a Unix system).
func owner(fs.FileInfo) (int, bool) { return 0, false }
