// Package e2e holds the end-to-end test of conflog's Collector distribution
// (otelcol/distribution): the built binary reads a real Python job's output
// with the filelog receiver, judges it with the conflog processor and writes
// it with the file exporter; what comes out must be, line by line, what
// `conflog scrub` gives on the same bytes; TestCollectorVolume does the same
// on generated files of 10⁵ lines whose public records it counts itself. It is a module of its own, with
// the standard library only: it runs the binaries, it links neither.
//
// The binary is $CONFLOG_OTELCOL when set (.ci/run sets it), else what
// otelcol/distribution/build.sh builds (minutes the first time, cached).
package e2e
