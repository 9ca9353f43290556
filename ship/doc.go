// Package ship sends the egress gate's public lines to central logging, and
// only those: syslog (RFC 5424 messages over RFC 5425 TLS, mutual TLS) or
// OTLP logs over HTTPS or gRPC (the OpenTelemetry Go SDK's exporters, mutual
// TLS and a bearer token), through a bounded, disk-backed queue, with at-least-once
// delivery. The notice of a line the gate's tripwire blocked goes as an
// event of its own ([Blocked]); [ExportMetrics] sends the gate's counters
// to an OTLP destination as OTLP metrics.
//
// A [Shipper] is an [io.Writer] of public lines that the gate tees its
// output into. It promises:
//
//   - Only public lines leave: Write refuses (counts, never queues) a line
//     that does not start with the prefix, and the sender checks every line
//     again as it leaves the queue.
//   - The job is never slowed by the network: Write appends to the queue on
//     disk and returns; a goroutine delivers, reconnecting with backoff.
//   - Bounded: the queue holds at most [QueueOptions.MaxBytes] on disk. When
//     it or the disk is full the default is to drop the line and count it
//     (the job is never slowed); [QueueOptions.Block] makes the job wait
//     instead. A full disk never sticks the queue: delivered segments are
//     deleted even when the acknowledgement cannot be written.
//   - Nothing lost to a crash: a line Write returned from is on disk (page
//     cache) and survives a kill -9 of the gate; fsync runs every second and
//     at each segment's end. The next Shipper on the same directory, or
//     conflog ship --resume, delivers it.
//   - At least once: each line carries the queue's id and its sequence
//     number (structured data [conflog@32473 queue="…" seq="…"]); lines may
//     arrive twice after a reconnect, and a receiver drops the copies on
//     that pair. Sequence numbers never restart, not even once the queue
//     was emptied and reopened. See [Queue] for the directory format and
//     syslogConn for when a syslog line counts as delivered.
//
// Certificates and keys are checked by [ParseDestination], before any job
// starts: a key its group or others may read, an expired certificate, a
// client certificate not meant for TLS clients are refused with a reason.
package ship
