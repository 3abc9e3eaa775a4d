package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ListHealth is one list's part of /healthz.
type ListHealth struct {
	List                string    `json:"list"`
	OK                  bool      `json:"ok"`
	Reason              string    `json:"reason,omitempty"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	// MaxAge is how old the last success may be: twice the schedule's
	// interval, plus the download timeout and the jitter.
	MaxAge string `json:"max_age"`
}

// Health is the tracker's health: OK when the last check of every list
// succeeded, recently enough for its schedule.
type Health struct {
	OK    bool         `json:"ok"`
	Lists []ListHealth `json:"lists"`
}

// Health judges every list from its stored state, so that a check made
// by `tracker fetch`, or before a restart, counts too.
func (d *Daemon) Health(ctx context.Context) (Health, error) {
	if err := d.init(); err != nil {
		return Health{}, err
	}
	now := d.Now()
	h := Health{OK: true}
	for _, l := range d.Lists {
		name := l.List.Name
		st, err := d.Store.ListState(ctx, name)
		if err != nil {
			return Health{}, err
		}
		maxAge := 2*Interval(d.schedules[name], now) + l.Timeout + d.Jitter
		lh := ListHealth{List: name, OK: true, LastSuccess: st.LastSuccess, LastAttempt: st.LastAttempt,
			ConsecutiveFailures: st.ConsecutiveFailures, MaxAge: maxAge.String()}
		switch {
		case st.ConsecutiveFailures > 0:
			lh.OK = false
			lh.Reason = fmt.Sprintf("last %d checks failed (since %s): %s", st.ConsecutiveFailures,
				st.FailingSince.UTC().Format(time.RFC3339), st.LastError)
		case st.LastSuccess.IsZero():
			lh.OK = false
			lh.Reason = "never checked successfully"
		case now.Sub(st.LastSuccess) > maxAge:
			lh.OK = false
			lh.Reason = fmt.Sprintf("last success %s ago (at %s), more than %s", now.Sub(st.LastSuccess).Round(time.Second),
				st.LastSuccess.UTC().Format(time.RFC3339), maxAge)
		}
		h.OK = h.OK && lh.OK
		h.Lists = append(h.Lists, lh)
	}
	return h, nil
}

// Handler serves /healthz and /metrics, and the web view (Web) at every
// other path.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	if err := d.init(); err != nil {
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		})
		return mux
	}
	mux.HandleFunc("GET /healthz", d.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{ErrorLog: promLogger{d}}))
	if d.Web != nil {
		mux.Handle("/", d.Web)
	}
	return mux
}

// serveHealth answers 200 or 503, in JSON when asked for it
// (Accept: application/json or ?format=json), else as plain text.
func (d *Daemon) serveHealth(w http.ResponseWriter, r *http.Request) {
	h, err := d.Health(r.Context())
	if err != nil {
		d.Log.Error("health check failed", "err", err)
		http.Error(w, "health check failed: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	status := http.StatusOK
	if !h.OK {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(h)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	bad := 0
	for _, lh := range h.Lists {
		if !lh.OK {
			bad++
		}
	}
	if h.OK {
		fmt.Fprintf(w, "ok: %d lists healthy\n", len(h.Lists))
	} else {
		fmt.Fprintf(w, "failing: %d of %d lists\n", bad, len(h.Lists))
	}
	for _, lh := range h.Lists {
		if lh.OK {
			fmt.Fprintf(w, "%s: ok, last success %s\n", lh.List, lh.LastSuccess.UTC().Format(time.RFC3339))
		} else {
			fmt.Fprintf(w, "%s: FAILING: %s\n", lh.List, lh.Reason)
		}
	}
}

type promLogger struct{ d *Daemon }

func (l promLogger) Println(v ...any) { l.d.Log.Error("metrics: " + fmt.Sprint(v...)) }
