package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// lockedBuffer is written by the server's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe: `tracker serve` on a database two imports filled, opened
// read-only, answers the pages (with basic auth from the config's
// users_file) until it is stopped, and exits 0.
func TestServe(t *testing.T) {
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2023-09-06", shareddata.Path(t, "ofac/sdn-csv/2023-09-06.sdn.csv"))
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2023-09-07", shareddata.Path(t, "ofac/sdn-csv/2023-09-07.sdn.csv"))
	dir := t.TempDir()
	users := filepath.Join(dir, "web-users")
	if err := os.WriteFile(users, []byte("ana:pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tracker.yaml")
	if err := os.WriteFile(cfg, []byte("web:\n  users_file: "+users+"\n  base_url: https://tracker.example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(c.db)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, []string{"--db", c.db, "--config", cfg, "serve", "--listen", "127.0.0.1:0"}, &out, &errOut)
	}()
	addr := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no address announced; stdout %q stderr %q", out.String(), errOut.String())
	}
	get := func(path string, auth bool) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if auth {
			req.SetBasicAuth("ana", "pw")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/", false); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", code)
	}
	for path, want := range map[string]string{
		"/":                                        "US OFAC (SDN List)",
		"/changes":                                 "ZHUYKOV, Andrey",
		"/lists/ofac-sdn/designations/44901":       "ZHUYKOV, Andrey",
		"/lists/ofac-sdn/diff/1/2?format=json":     `"added": 11`,
		"/lists/ofac-sdn/snapshots?format=csv":     "2023-09-07.sdn.csv",
		"/lists/eu-fsf/designations/1?format=json": `"error"`,
	} {
		code, body := get(path, true)
		if !strings.Contains(body, want) || (code != 200) != strings.Contains(path, "eu-fsf") {
			t.Errorf("%s: %d, lacks %q", path, code, want)
		}
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d: %s", c, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	after, err := os.ReadFile(c.db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("serve changed the database file")
	}
}
