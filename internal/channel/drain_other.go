//go:build !unix

package channel

import "net"

// drain has no raw reads here: what a connection holds at Close is lost.
// conflog run needs a Unix system; this keeps the package building.
func drain(*net.UnixConn, []byte, func([]byte)) {}
