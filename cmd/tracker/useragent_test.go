package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// ofacFirewall answers like OFAC's download host since 2026-07-30: 403
// with an HTML page unless the User-Agent starts "Mozilla/" and a digit
// and is at least 40 characters long; otherwise it serves the file.
type ofacFirewall struct {
	file string
	mu   sync.Mutex
	uas  []string
}

var ofacUARule = regexp.MustCompile(`^Mozilla/[0-9]`)

func (f *ofacFirewall) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ua := r.Header.Get("User-Agent")
	f.mu.Lock()
	f.uas = append(f.uas, ua)
	f.mu.Unlock()
	if !ofacUARule.MatchString(ua) || len(ua) < 40 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center></body></html>\n"))
		return
	}
	http.ServeFile(w, r, f.file)
}

func ofacConfig(t *testing.T, url, extra string) string {
	t.Helper()
	cfg := "lists:\n  eu-fsf: {enabled: false}\n  uk-sanctions-list: {enabled: false}\n  ofac-sdn: {enabled: false}\n" +
		"  ofac-consolidated:\n    enabled: true\n    urls: [\"" + url + "\"]\n    retries: 0\n" + extra
	p := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOFACUserAgentRule(t *testing.T) {
	fw := &ofacFirewall{file: shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml")}
	srv := httptest.NewServer(fw)
	t.Cleanup(srv.Close)
	url := srv.URL + "/api/PublicationPreview/exports/CONSOLIDATED.XML"

	c := newCLI(t)
	out := c.mustRun(0, "--config", ofacConfig(t, url, ""), "fetch")
	if !strings.Contains(out, "snapshot #1") || !strings.Contains(out, "443 entities") {
		t.Errorf("fetch with the default User-Agent:\n%s", out)
	}

	bad := ofacConfig(t, url, "    user_agent: \"tracker/0.1 (sanctions list monitor)\"\n")
	c2 := newCLI(t)
	code, out, errOut := c2.run("--config", bad, "fetch")
	if code != exitTrouble || !strings.Contains(errOut, "403 Forbidden") || !strings.Contains(errOut, `starts with "Mozilla/" and a digit and is at least 40 characters`) {
		t.Errorf("fetch with a User-Agent OFAC refuses: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("the error is not one line:\n%s", errOut)
	}

	check := c2.mustRun(0, "--config", bad, "config", "check")
	if !strings.Contains(check, "warning: lists.ofac-consolidated: user agent \"tracker/0.1 (sanctions list monitor)\" would be refused") {
		t.Errorf("config check does not warn of the User-Agent:\n%s", check)
	}
	if good := c.mustRun(0, "--config", ofacConfig(t, url, ""), "config", "check"); strings.Contains(good, "warning") {
		t.Errorf("config check warns of the default User-Agent:\n%s", good)
	}
	// A global user_agent applies to every list.
	global := ofacConfig(t, url, "user_agent: \"curl/8.0\"\n")
	if check := c.mustRun(0, "--config", global, "config", "check"); !strings.Contains(check, `user agent "curl/8.0" would be refused`) {
		t.Errorf("config check with a global user_agent:\n%s", check)
	}
}
