package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
)

// parseFakeList stands for a fourth publisher's parser package: it reads
// "fake_id,name,programme" CSV lines under that header, using only the
// domain package and the shared helpers of internal/source, as a real
// one under internal/source/ would.
func parseFakeList(ctx context.Context, files []source.RawFile) (*source.Publication, error) {
	if len(files) != 1 {
		return nil, fmt.Errorf("parse fake-list: want one file, got %d", len(files))
	}
	f := files[0]
	sc := bufio.NewScanner(bytes.NewReader(f.Data))
	if !sc.Scan() || sc.Text() != fakeHeader {
		return nil, &source.ParseError{File: f.Name, Pos: "line 1", Err: fmt.Errorf("not a fake list: want the header %s", fakeHeader)}
	}
	pub := &source.Publication{Sealed: true}
	for line := 2; sc.Scan(); line++ {
		parts := strings.Split(sc.Text(), ",")
		if len(parts) != 3 {
			return nil, &source.ParseError{File: f.Name, Pos: fmt.Sprintf("line %d", line), Err: fmt.Errorf("%d fields, want 3", len(parts))}
		}
		pub.Entities = append(pub.Entities, &tracker.Entity{ID: parts[0], Kind: tracker.KindEntity, Name: parts[1], Programs: []string{parts[2]}})
	}
	return source.Finish(f.Name, pub)
}

const fakeHeader = "fake_id,name,programme"

// TestFourthPublisher: a parser and one registry entry are all a new
// publisher needs to be configured, imported, fetched, diffed and alerted
// on; no other file of the tracker names it.
func TestFourthPublisher(t *testing.T) {
	var served atomic.Value
	served.Store(fakeHeader + "\nF1,ALPHA LTD,FAKE-CYBER\nF2,BRAVO LLC,OTHER\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, served.Load().(string))
	}))
	defer srv.Close()

	unregister, err := lists.Register(lists.List{
		Name:         "fake-list",
		Publisher:    "Fake Ministry (Fake List)",
		URLs:         []string{srv.URL + "/fake.txt"},
		Parse:        parseFakeList,
		Formats:      "CSV starting " + fakeHeader,
		Recognises:   func(f fetch.Format) bool { return f.Kind == "csv" && f.Detail == fakeHeader },
		CyberRegimes: []string{"FAKE-CYBER"},
		Timeout:      10 * time.Second,
		Retries:      1,
		MaxBytes:     1 << 20,
		Guards:       lists.Guards{MaxRemovedShare: 0.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister()

	c := newCLI(t)
	cfg := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(cfg, []byte("lists:\n  fake-list:\n    enabled: true\n"+
		"  ofac-sdn:\n    enabled: false\n  eu-fsf:\n    enabled: false\n  uk-sanctions-list:\n    enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.mustRun(0, "--config", cfg, "config", "check"); !strings.Contains(out, "fake-list") {
		t.Errorf("config check does not name the new list:\n%s", out)
	}
	if out := c.mustRun(0, "import", "-h"); !strings.Contains(out, "fake-list") {
		t.Errorf("import -h does not list the new list:\n%s", out)
	}
	if out := c.mustRun(0, "help"); !strings.Contains(out, "fake-list") || !strings.Contains(out, "Fake Ministry (Fake List)") {
		t.Errorf("help does not list the new list:\n%s", out)
	}

	// Importable: the first snapshot is the silent baseline.
	file := filepath.Join(t.TempDir(), "fake.txt")
	if err := os.WriteFile(file, []byte(served.Load().(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.mustRun(0, "--config", cfg, "import", "--list", "fake-list", "--as-of", "2026-12-01", file); !strings.Contains(out, "baseline") {
		t.Errorf("import: %s", out)
	}

	// Fetchable and alertable: a new cyber designation on the server.
	served.Store(fakeHeader + "\nF1,ALPHA LTD,FAKE-CYBER\nF2,BRAVO LLC,OTHER\nF3,CHARLIE <b>GROUP</b>,FAKE-CYBER\n")
	out := c.mustRun(0, "--config", cfg, "fetch", "--list", "fake-list")
	for _, want := range []string{"Fake Ministry (Fake List)", "CHARLIE <b>GROUP</b>", "alerts: 1 sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "BRAVO") {
		t.Errorf("the alert names a designation outside the list's cyber regime:\n%s", out)
	}

	// Diffable: the change is there under the list's own cyber regime.
	js := c.mustRun(1, "--config", cfg, "diff", "--list", "fake-list", "--format", "json")
	var d struct {
		Changes []tracker.Change `json:"changes"`
	}
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatalf("diff json: %v\n%s", err, js)
	}
	if len(d.Changes) != 1 || d.Changes[0].Kind != tracker.Added || d.Changes[0].ID != "F3" {
		t.Errorf("diff = %+v, want F3 added", d.Changes)
	}

	// doctor recognises its format from the registry entry.
	if out := c.mustRun(0, "--config", cfg, "doctor", "--format", "json"); !strings.Contains(out, `"format_ok": true`) {
		t.Errorf("doctor: %s", out)
	}

	// The daemon checks it like any list: unchanged content stores nothing.
	if out := c.mustRun(0, "--config", cfg, "run", "--once"); !strings.Contains(out, "fake-list: ") {
		t.Errorf("run --once: %s", out)
	}
}
