package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/store"
)

// metrics are the daemon's Prometheus metrics, in a registry of their own
// so that nothing else in the process can add to or break them.
type metrics struct {
	registry *prometheus.Registry
	duration *prometheus.HistogramVec
	bytes    *prometheus.CounterVec
	checks   *prometheus.CounterVec
	changes  *prometheus.CounterVec
}

func newMetrics(d *Daemon) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tracker_fetch_duration_seconds",
			Help:    "Time to fetch and store a list, per check, failed ones included.",
			Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"list"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_bytes_total",
			Help: "Bytes downloaded per list (a 304 Not Modified downloads none).",
		}, []string{"list"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_checks_total",
			Help: "Checks of a list by outcome: stored, unchanged or failed.",
		}, []string{"list", "outcome"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_changes_detected_total",
			Help: "Changes (every regime) found in new snapshots, by kind.",
		}, []string{"list", "kind"}),
	}
	for _, l := range d.Lists {
		for _, o := range []store.Outcome{store.Stored, store.Unchanged, store.Failed} {
			m.checks.WithLabelValues(l.List.Name, string(o)) // export zeros: rate() needs a start
		}
		m.bytes.WithLabelValues(l.List.Name)
	}
	m.registry.MustRegister(m.duration, m.bytes, m.checks, m.changes, &stateCollector{d: d},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(c store.Check, res *ingest.FetchResult) {
	m.checks.WithLabelValues(c.List, string(c.Outcome)).Inc()
	m.duration.WithLabelValues(c.List).Observe(c.Duration.Seconds())
	if c.Outcome == store.Failed {
		return
	}
	m.bytes.WithLabelValues(c.List).Add(float64(c.Bytes))
	if res != nil && res.Save != nil {
		for _, ch := range res.Save.Changes {
			m.changes.WithLabelValues(c.List, string(ch.Kind)).Inc()
		}
	}
}

// stateCollector exports what the database knows at scrape time, so the
// figures survive restarts and include checks by `tracker fetch`.
type stateCollector struct{ d *Daemon }

var (
	descLastSuccess = prometheus.NewDesc("tracker_list_last_success_timestamp_seconds",
		"When the list was last checked successfully (Unix time; 0: never).", []string{"list"}, nil)
	descLastAttempt = prometheus.NewDesc("tracker_list_last_check_timestamp_seconds",
		"When the list was last checked (Unix time; 0: never).", []string{"list"}, nil)
	descFailures = prometheus.NewDesc("tracker_list_consecutive_failures",
		"Checks of the list that failed in a row; 0 when the last one succeeded.", []string{"list"}, nil)
	descHealthy = prometheus.NewDesc("tracker_list_healthy",
		"1 when the list passes /healthz (last check succeeded, recently enough), else 0.", []string{"list"}, nil)
	descEntities = prometheus.NewDesc("tracker_list_entities",
		"Entities in the list's latest snapshot.", []string{"list"}, nil)
	descSnapshot = prometheus.NewDesc("tracker_list_latest_snapshot_id",
		"Id of the list's latest snapshot.", []string{"list"}, nil)
	descDeliveries = prometheus.NewDesc("tracker_deliveries",
		"Deliveries not sent, by list and state: pending, failed (pending after a failed attempt), expired.", []string{"list", "state"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastSuccess, descLastAttempt, descFailures, descHealthy, descEntities, descSnapshot, descDeliveries} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := c.d
	health, err := d.Health(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descHealthy, err)
		return
	}
	for _, lh := range health.Lists {
		gauge := func(desc *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, lh.List)
		}
		gauge(descLastSuccess, unixOrZero(lh.LastSuccess))
		gauge(descLastAttempt, unixOrZero(lh.LastAttempt))
		gauge(descFailures, float64(lh.ConsecutiveFailures))
		gauge(descHealthy, boolFloat(lh.OK))
		latest, err := d.Store.Latest(ctx, lh.List)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			ch <- prometheus.NewInvalidMetric(descEntities, err)
		default:
			gauge(descEntities, float64(latest.EntityCount))
			gauge(descSnapshot, float64(latest.ID))
		}
	}
	counts, err := d.Store.DeliveryCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descDeliveries, err)
		return
	}
	// Every list has every state, zero included, so that an alert on
	// "failed > 0" has a series to watch before the first failure.
	byKey := map[[2]string]int{}
	for _, l := range d.Lists {
		for _, state := range []string{store.DeliveryPending, "failed", store.DeliveryExpired} {
			byKey[[2]string{l.List.Name, state}] = 0
		}
	}
	for _, dc := range counts {
		byKey[[2]string{dc.List, dc.State}] += dc.Count
	}
	for k, n := range byKey {
		ch <- prometheus.MustNewConstMetric(descDeliveries, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

func unixOrZero(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
