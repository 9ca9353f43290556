//go:build unix

package main

import (
	"io"
	"maps"
	"sync"

	"github.com/conflog/conflog/scrub"
	"github.com/prometheus/client_golang/prometheus"
)

// gateMetrics are the gate's counters for Prometheus (conflog run
// --metrics): lines by verdict, traces and bytes per stream, blocked lines
// per detector and stream. A filter's counts may be read only by its own goroutine,
// so each stream's reader publishes them before every read (see reader):
// a scrape sees them as of the last block the filter finished.
type gateMetrics struct {
	mu      sync.Mutex
	streams map[string]scrub.Stats
	blocked map[blockKey]int64
	// channelStats reads the public channel's counts at a scrape (see
	// gate.Config.ObserveChannel); nil until the channel opens.
	channelStats func() scrub.Stats

	lines, traces, bytes, blockedDesc *prometheus.Desc
}

func newGateMetrics() *gateMetrics {
	return &gateMetrics{
		streams:     map[string]scrub.Stats{},
		blocked:     map[blockKey]int64{},
		lines:       prometheus.NewDesc("conflog_gate_lines_total", "Lines the gate judged, by stream (stdout, stderr, channel: the public channel) and verdict (passed, private, held, cut).", []string{"stream", "verdict"}, nil),
		traces:      prometheus.NewDesc("conflog_gate_traces_total", "Crash traces re-emitted scrubbed, by stream.", []string{"stream"}, nil),
		bytes:       prometheus.NewDesc("conflog_gate_bytes_total", "Bytes the job wrote, by stream.", []string{"stream"}, nil),
		blockedDesc: prometheus.NewDesc("conflog_gate_blocked_lines_total", "Public lines the tripwire withheld, by detector and stream.", []string{"detector", "stream"}, nil),
	}
}

// reader returns r, publishing f's counts under stream before each read.
// Nil-safe: without --metrics it is r itself.
func (m *gateMetrics) reader(stream string, r io.Reader, f *scrub.Filter) io.Reader {
	if m == nil {
		return r
	}
	return &statsReader{r: r, publish: func() { m.publish(stream, f.Stats()) }}
}

func (m *gateMetrics) publish(stream string, s scrub.Stats) {
	m.mu.Lock()
	m.streams[stream] = s
	m.mu.Unlock()
}

// channel takes the function that reads the public channel's counts,
// which a scrape shows under stream "channel": the lines passed through
// the channel, beside those passed by their prefix on stdout and stderr.
func (m *gateMetrics) channel(stats func() scrub.Stats) {
	m.mu.Lock()
	m.channelStats = stats
	m.mu.Unlock()
}

// blockKey are the labels of a blocked line.
type blockKey struct{ detector, stream string }

// block counts a line the tripwire withheld. Nil-safe.
func (m *gateMetrics) block(detector, stream string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.blocked[blockKey{detector, stream}]++
	m.mu.Unlock()
}

func (m *gateMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.lines
	ch <- m.traces
	ch <- m.bytes
	ch <- m.blockedDesc
}

func (m *gateMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	streams := m.streams
	if m.channelStats != nil {
		streams = maps.Clone(m.streams)
		streams["channel"] = m.channelStats()
	}
	for name, s := range streams {
		counter(m.lines, s.Passed, name, "passed")
		counter(m.lines, s.Private, name, "private")
		counter(m.lines, s.Held, name, "held")
		counter(m.lines, s.Cut, name, "cut")
		counter(m.traces, s.Traces, name)
		counter(m.bytes, s.Bytes, name)
	}
	for k, n := range m.blocked {
		counter(m.blockedDesc, n, k.detector, k.stream)
	}
}

// statsReader calls publish before each Read: on the filter's own
// goroutine, between two of its Writes.
type statsReader struct {
	r       io.Reader
	publish func()
}

func (s *statsReader) Read(p []byte) (int, error) {
	s.publish()
	return s.r.Read(p)
}
