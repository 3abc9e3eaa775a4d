package daemon

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/web"
)

// TestWebOnListen: the web view's pages are served beside /healthz and
// /metrics, which keep their own handlers, and the overview shows when
// the daemon checks each list next.
func TestWebOnListen(t *testing.T) {
	good := newPublisher(t, "ofac/constructed/2025-06-30.sdn.xml")
	f := newFixture(t, ofacSDN(t, good.url(), "@every 1h"))
	pages, err := web.New(web.Options{Store: f.st, Lists: []string{"ofac-sdn"}, NextCheck: f.d.NextCheck, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.d.Web = pages
	h := f.d.Handler()
	if _, err := f.d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := f.clock.Now().Add(time.Hour)
	f.d.setNext("ofac-sdn", next)
	f.d.lastMode("ofac-sdn", ModeSchedule)

	code, body := get(t, h, "/")
	if code != http.StatusOK || !strings.Contains(body, "US OFAC (SDN List)") || !strings.Contains(body, "status-ok") ||
		!strings.Contains(body, next.UTC().Format("2006-01-02 15:04 UTC")) || !strings.Contains(body, "planned by the daemon, schedule polling") {
		t.Errorf("overview %d:\n%s", code, body)
	}
	code, body = get(t, h, "/lists/ofac-sdn/snapshots?format=json")
	if code != http.StatusOK || !strings.Contains(body, `"entities": 23`) {
		t.Errorf("snapshots %d: %s", code, body)
	}
	if code, body = get(t, h, "/healthz"); code != http.StatusOK || !strings.HasPrefix(body, "ok: 1 lists healthy") {
		t.Errorf("healthz %d: %s", code, body)
	}
	if code, body = get(t, h, "/metrics"); code != http.StatusOK || !strings.Contains(body, "tracker_checks_total") {
		t.Errorf("metrics %d", code)
	}
	if at, how := f.d.NextCheck("eu-fsf"); !at.IsZero() || how != "" {
		t.Errorf("a list the daemon does not follow: %v %q", at, how)
	}
}
