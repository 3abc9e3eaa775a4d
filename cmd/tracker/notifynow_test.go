package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestNotifyPendingAndNow: a rate-limited alert waits out Slack's
// Retry-After; plain `notify` says so instead of printing nothing;
// `notify --now` sends it at once, but never while another process holds
// its lease.
func TestNotifyPendingAndNow(t *testing.T) {
	var mu sync.Mutex
	limited, posts := true, 0
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) //nolint:errcheck // test server
			mu.Lock()
			defer mu.Unlock()
			if limited {
				// What Slack answers a client over its rate limit.
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			posts++
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ok":true,"channel":"C0CYBER","ts":"1636329600.%06d"}`, posts)
		})
	})
	api.Start()
	t.Cleanup(api.Stop)
	sent := func() int { mu.Lock(); defer mu.Unlock(); return posts }

	cfg := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "slack:\n  token: %s\n  channel: \"#sanctions\"\n  api_url: %s\n", cliToken, api.GetAPIURL()), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.mustRun(0, "--config", cfg, "notify")
	if out := c.mustRun(0, "--config", cfg, "notify"); strings.TrimSpace(out) != "nothing pending" {
		t.Errorf("notify on an empty outbox: %q", out)
	}
	c.mustRun(0, "--config", cfg, "import", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
	c.mustRun(0, "--config", cfg, "import", "--no-notify", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"))

	// Rate limited: the alert stays pending for an hour.
	if code, out, errOut := c.run("--config", cfg, "notify"); code != exitTrouble || !strings.Contains(errOut, "rate limited") {
		t.Fatalf("rate-limited notify: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var entries []outboxEntry
	if err := json.Unmarshal([]byte(c.mustRun(0, "--config", cfg, "outbox", "--format", "json")), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].NextAttemptAt == nil || time.Until(*entries[0].NextAttemptAt) < 50*time.Minute {
		t.Fatalf("outbox after a rate limit: %+v", entries)
	}
	next := entries[0].NextAttemptAt.UTC().Format("2006-01-02 15:04:05 UTC")

	mu.Lock()
	limited = false
	mu.Unlock()
	out := c.mustRun(0, "--config", cfg, "notify")
	if want := "1 alert pending, next attempt " + next + " — `tracker notify --now` to send it now"; !strings.Contains(out, want) || sent() != 0 {
		t.Fatalf("notify before the backoff ends: %d posts, output %q, want %q", sent(), out, want)
	}

	// Another process (the daemon) is sending it: --now must leave it.
	st, err := store.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := *entries[0].NextAttemptAt
	if _, err := st.Claim(context.Background(), entries[0].ID, at, at.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if out := c.mustRun(0, "--config", cfg, "notify", "--now"); sent() != 0 || !strings.Contains(out, "1 alert pending") {
		t.Fatalf("notify --now took a leased delivery: %d posts, output %q", sent(), out)
	}
	// That process fails and lets go: the lease ends, its backoff remains.
	if err := st.RecordFailure(context.Background(), entries[0].ID, "slack: rate limited", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	out = c.mustRun(0, "--config", cfg, "notify", "--now")
	if sent() != 1 || !strings.Contains(out, "alerts: 1 sent") || !strings.Contains(out, "nothing pending") {
		t.Fatalf("notify --now: %d posts, output %q", sent(), out)
	}
	if out := c.mustRun(0, "--config", cfg, "notify", "--now"); sent() != 1 || strings.TrimSpace(out) != "nothing pending" {
		t.Fatalf("second notify --now: %d posts, output %q", sent(), out)
	}
}
