package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestFaultMatrix is the second fault matrix of docs/operators.md, row for
// row: each bad input runs through the real binary against a real
// database holding good snapshots of OFAC (2024-03-05) and the UK
// Sanctions List (2025-04-10). Every row must end within its time limit,
// with the expected exit status and a one-line message, no goroutine dump,
// a peak RSS within 150 MiB of the binary's floor, and the database either unchanged or holding the
// publication quarantined, never announced.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary ~15 times")
	}
	dir := t.TempDir()
	ofacOld := shareddata.Path(t, "ofac/sdn-csv/2024-03-05.sdn.csv")
	ofacNew := shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv")
	uk := shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv")

	base := filepath.Join(dir, "base.db")
	bc := &cli{t: t, db: base}
	bc.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2024-03-05", ofacOld)
	bc.mustRun(0, "import", "--list", "uk-sanctions-list", uk)

	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nulCSV := func() string {
		b, err := os.ReadFile(uk)
		if err != nil {
			t.Fatal(err)
		}
		return write("nul.UK-Sanctions-List.csv", bytes.Replace(b, []byte("AFG0007"), []byte("AFG\x000007"), 1))
	}
	eu2092 := func() string {
		b, err := os.ReadFile(shareddata.Path(t, "eu/fsf/2020-07-30.xml"))
		if err != nil {
			t.Fatal(err)
		}
		return write("eu-2092.xml", bytes.Replace(b, []byte(`generationDate="2020-07-30`), []byte(`generationDate="2092-07-30`), 1))
	}
	fifo := filepath.Join(dir, "fifo.sdn.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	if db, err := sql.Open("sqlite3", foreign); err == nil {
		db.Exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)`)
		db.Close()
	}

	// A publisher: OFAC's CSV cut short, a CDN answering 304 to anything,
	// a gzip bomb (1 GiB of zeros in ~1 MB) under the 512 MiB cap.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range 1024 {
		zw.Write(zero)
	}
	zw.Close()
	cut := cutCSV(t, ofacNew, 0.03, false)
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		switch r.URL.Path {
		case "/cut/sdn.csv":
			http.ServeFile(w, r, cut)
		case "/cdn/SDN.XML":
			w.WriteHeader(http.StatusNotModified)
		case "/bomb/SDN.XML":
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	fetchConfig := func(path string) string {
		return write(strings.ReplaceAll(path, "/", "_")+".yaml", []byte(fmt.Sprintf(
			"lists:\n  eu-fsf: {enabled: false}\n  uk-sanctions-list: {enabled: false}\n  ofac-consolidated: {enabled: false}\n"+
				"  ofac-sdn:\n    urls: [%q]\n    retries: 0\n", srv.URL+path)))
	}
	httpSlack := write("http-slack.yaml", []byte("slack:\n  token: xoxb-test\n  channel: \"#x\"\n  api_url: http://slack.example.org/api/\n"))

	const (
		unchanged   = "unchanged"
		quarantined = "quarantined"
	)
	tests := []struct {
		name  string // the row in docs/operators.md
		args  []string
		db    string // "" = a copy of the base database
		code  int
		want  string
		state string
	}{
		{"1 OFAC CSV cut on a record boundary, no 0x1A (import)",
			[]string{"import", "--list", "ofac-sdn", "--as-of", "2024-05-03", cut}, "", 0, "QUARANTINED", quarantined},
		{"1 OFAC CSV cut on a record boundary (fetch)",
			[]string{"--config", fetchConfig("/cut/sdn.csv"), "fetch"}, "", 2, "does not end with OFAC's end-of-file byte 0x1A", unchanged},
		{"1 UK CSV cut on a row boundary",
			[]string{"import", "--list", "uk-sanctions-list", cutCSV(t, uk, 6, false)}, "", 0, "QUARANTINED", quarantined},
		{"2 publication dated 2205 (--as-of)",
			[]string{"import", "--list", "ofac-sdn", "--as-of", "2205-09-08", ofacNew}, "", 2, "more than 2 days after now", unchanged},
		{"2 EU generationDate in 2092",
			[]string{"import", "--list", "eu-fsf", eu2092()}, "", 2, "2092-07-30 (the file states)", unchanged},
		{"3 NUL in a CSV",
			[]string{"import", "--list", "uk-sanctions-list", nulCSV()}, "", 2, "control character 0x00", unchanged},
		{"4 304 to a request without validators",
			[]string{"--config", fetchConfig("/cdn/SDN.XML"), "fetch"}, "", 2, "304 Not Modified to a request without validators", unchanged},
		{"5 import of a FIFO",
			[]string{"import", "--list", "ofac-sdn", fifo}, "", 2, "is not a regular file (a FIFO)", unchanged},
		{"5 import of /dev/zero",
			[]string{"import", "--list", "ofac-sdn", "/dev/zero"}, "", 2, "is not a regular file (a device)", unchanged},
		{"6 gzip bomb under max_bytes",
			[]string{"--config", fetchConfig("/bomb/SDN.XML"), "fetch"}, "", 2, "after gzip decompression", unchanged},
		{"8 a foreign SQLite file as --db",
			[]string{"snapshots"}, foreign, 2, "", unchanged},
		{"8 Slack api_url over plain http",
			[]string{"--config", httpSlack, "notify"}, "", 2, "http", unchanged},
	}
	// The bound on memory is relative to what the same binary needs to
	// list the snapshots of the base database: under -race the runtime's
	// shadow memory alone is a few hundred MiB.
	floor := func() int64 {
		cmd := exec.Command(os.Args[0], "--db", base, "snapshots")
		cmd.Env = append(os.Environ(), envRunMain+"=1", "TRACKER_CONFIG=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("snapshots of the base database: %v\n%s", err, out)
		}
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	}()
	const headroom = 150 << 10 // KiB
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tt.db
			if db == "" {
				db = filepath.Join(t.TempDir(), "tracker.db")
				copyFile(t, base, db)
			}
			beforeFile, _ := os.ReadFile(db)
			var before dbFacts
			if tt.db == "" {
				before = readFacts(t, db)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"--db", db}, tt.args...)...)
			cmd.Env = append(os.Environ(), envRunMain+"=1", "TRACKER_CONFIG=")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Run()
			if ctx.Err() != nil {
				t.Fatal("hung: killed after 60 s")
			}
			code := cmd.ProcessState.ExitCode()
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB
			errText := strings.TrimSpace(stderr.String())
			if code != tt.code || !strings.Contains(stdout.String()+errText, tt.want) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, tt.code, tt.want, stdout.String(), errText)
			}
			if strings.Contains(errText, "goroutine ") || strings.Count(errText, "\n") > 0 && code == 2 && !strings.HasPrefix(tt.args[0], "--config") {
				t.Errorf("not a one-line error:\n%s", errText)
			}
			if rss > floor+headroom {
				t.Errorf("peak RSS %d MiB, want at most %d MiB (the binary's floor here) + 150 MiB", rss>>10, floor>>10)
			}
			t.Logf("exit %d, peak RSS %.0f MiB (floor %.0f MiB): %s", code, float64(rss)/1024, float64(floor)/1024, firstLine(errText+stdout.String()))
			// A quarantined publication gets one operator notice and no
			// designation alert.
			if strings.Contains(stdout.String(), "- removed") || strings.Contains(stdout.String(), "\n+ added") {
				t.Errorf("announced:\n%s", stdout.String())
			}
			if tt.state == quarantined && strings.Count(stdout.String(), "was quarantined as snapshot") != 1 {
				t.Errorf("want exactly one operator notice:\n%s", stdout.String())
			}
			switch {
			case tt.db != "":
				if after, _ := os.ReadFile(db); !bytes.Equal(after, beforeFile) {
					t.Error("the foreign file was changed")
				}
			case tt.state == unchanged:
				if after := readFacts(t, db); !reflect.DeepEqual(after, before) {
					t.Error("the database changed")
				}
			case tt.state == quarantined:
				after := readFacts(t, db)
				if len(after.snapshots) != len(before.snapshots)+1 {
					t.Fatalf("%d snapshots, want one more (quarantined)", len(after.snapshots))
				}
				for id, row := range after.snapshots {
					if _, old := before.snapshots[id]; !old && !strings.HasPrefix(row, "quarantined") {
						t.Errorf("new snapshot %d is %q, want quarantined", id, row)
					}
				}
			}
		})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
