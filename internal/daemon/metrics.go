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
	descPolling = prometheus.NewDesc("tracker_list_polling",
		"1 for the list's polling mode (fast: every fast interval while its server answers 304; schedule) and why (reason).", []string{"list", "mode", "reason"}, nil)
	descFastInterval = prometheus.NewDesc("tracker_list_fast_interval_seconds",
		"How often the list is checked in fast mode; 0 when adaptive polling is off.", []string{"list"}, nil)
	descDetection = prometheus.NewDesc("tracker_detection_delay_seconds",
		"Per downloaded snapshot: when the tracker first saw it less when the publisher changed it (basis last_modified: the server's Last-Modified; published_date: the list's own date, midnight UTC).", []string{"list", "basis"}, nil)
	descDelivery = prometheus.NewDesc("tracker_delivery_delay_seconds",
		"Per alert sent about a downloaded snapshot: when the notifier accepted it less when the tracker first saw the snapshot.", []string{"list"}, nil)
)

// Buckets of the delay histograms: minutes matter, up to the days a
// publication date's precision allows.
var (
	detectionBuckets = []float64{60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 6 * 3600, 24 * 3600, 48 * 3600}
	deliveryBuckets  = []float64{1, 5, 15, 30, 60, 120, 300, 900, 3600}
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastSuccess, descLastAttempt, descFailures, descHealthy, descEntities, descSnapshot, descDeliveries,
		descPolling, descFastInterval, descDetection, descDelivery} {
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
	c.collectPolling(ctx, ch)
	c.collectDelays(ctx, ch)
}

// collectPolling says which mode each list is in and why.
func (c *stateCollector) collectPolling(ctx context.Context, ch chan<- prometheus.Metric) {
	for _, l := range c.d.Lists {
		p, err := c.d.Polling(ctx, l)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(descPolling, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(descPolling, prometheus.GaugeValue, 1, l.List.Name, string(p.Mode), p.Reason)
		ch <- prometheus.MustNewConstMetric(descFastInterval, prometheus.GaugeValue, l.FastInterval.Seconds(), l.List.Name)
	}
}

// collectDelays builds the delay histograms from the database, so that
// they hold every publication since the tracker started keeping them,
// across restarts, and alerts `tracker notify` sent.
func (c *stateCollector) collectDelays(ctx context.Context, ch chan<- prometheus.Metric) {
	det, err := c.d.Store.DetectionDelays(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descDetection, err)
		return
	}
	for k, h := range histograms(det, detectionBuckets, func(d store.Delay) [2]string { return [2]string{d.List, d.Basis} }) {
		ch <- prometheus.MustNewConstHistogram(descDetection, h.count, h.sum, h.buckets, k[0], k[1])
	}
	del, err := c.d.Store.DeliveryDelays(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descDelivery, err)
		return
	}
	for k, h := range histograms(del, deliveryBuckets, func(d store.Delay) [2]string { return [2]string{d.List} }) {
		ch <- prometheus.MustNewConstHistogram(descDelivery, h.count, h.sum, h.buckets, k[0])
	}
}

type histogram struct {
	count   uint64
	sum     float64
	buckets map[float64]uint64 // upper bound → cumulative count
}

// histograms groups delays by key into cumulative histograms.
func histograms(ds []store.Delay, bounds []float64, key func(store.Delay) [2]string) map[[2]string]*histogram {
	out := map[[2]string]*histogram{}
	for _, d := range ds {
		k := key(d)
		h := out[k]
		if h == nil {
			h = &histogram{buckets: make(map[float64]uint64, len(bounds))}
			for _, b := range bounds {
				h.buckets[b] = 0
			}
			out[k] = h
		}
		h.count++
		h.sum += d.Seconds
		for _, b := range bounds {
			if d.Seconds <= b {
				h.buckets[b]++
			}
		}
	}
	return out
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
