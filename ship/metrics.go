package ship

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collectors returns the shipper's Prometheus metrics, labelled with its
// destination: queue depth and age, lines queued, refused, sent and
// confirmed, delivery errors, reconnects and lines sent again.
func (s *Shipper) Collectors() []prometheus.Collector {
	labels := prometheus.Labels{"destination": s.dest.Name()}
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "conflog_ship_" + name, Help: help, ConstLabels: labels}, f)
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "conflog_ship_" + name, Help: help, ConstLabels: labels}, f)
	}
	load := func(v interface{ Load() int64 }) func() float64 { return func() float64 { return float64(v.Load()) } }
	return []prometheus.Collector{
		counter("queued_lines_total", "Public lines queued for the destination.", load(&s.queued)),
		counter("refused_lines_total", "Lines refused for lacking the public prefix: never queued nor sent.", load(&s.refused)),
		counter("dropped_lines_total", "Public lines dropped because the queue's disk budget was full or the disk failed.", func() float64 { return float64(s.q.Dropped()) }),
		counter("sent_lines_total", "Lines written to the destination, copies sent again included.", load(&s.sent)),
		counter("delivered_lines_total", "Lines known delivered and removed from the queue.", load(&s.confirmed)),
		counter("resent_lines_total", "Lines sent again after a broken connection (the receiver de-duplicates them by queue and seq).", load(&s.resent)),
		counter("delivery_errors_total", "Failed connections, writes and queue operations.", load(&s.errors)),
		counter("retries_total", "Connections dropped after an error and tried again.", load(&s.retries)),
		gauge("queue_lines", "Lines in the queue not yet known delivered.", func() float64 { l, _ := s.q.Depth(); return float64(l) }),
		gauge("queue_bytes", "Bytes of the queue's segments on disk.", func() float64 { _, b := s.q.Depth(); return float64(b) }),
		gauge("queue_oldest_age_seconds", "Age of the oldest line not yet known delivered; 0 when none.", func() float64 {
			us := s.oldest.Load()
			if us == 0 {
				return 0
			}
			return time.Since(time.UnixMicro(us)).Seconds()
		}),
	}
}
