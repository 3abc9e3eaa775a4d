package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

// ofacFirewallUA is OFAC's rule, written here independently of
// lists.OFACAcceptsUserAgent so that the test does not check the rule
// against itself: "Mozilla/" then a digit, at least 40 characters.
var ofacFirewallUA = regexp.MustCompile(`^Mozilla/[0-9]`)

// newOFACServer serves file as OFAC's download host does since
// 2026-07-30: the list to a User-Agent that passes the firewall rule, a
// 403 with an HTML page to any other.
func newOFACServer(t *testing.T, file string) *httptest.Server {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.Header.Get("User-Agent")
		if !ofacFirewallUA.MatchString(ua) || len(ua) < 40 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1><p>Request blocked.</p></body></html>")
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Last-Modified", "Fri, 28 Mar 2025 14:00:00 GMT")
		w.Header().Set("ETag", `"cons-2025-03-28"`)
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// writeListConfig writes a config with only list enabled, at urls, with a
// per-attempt timeout and no retries; extra goes at the top.
func writeListConfig(t *testing.T, extra, list string, timeout time.Duration, urls ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nlists:\n", extra)
	for _, name := range lists.Names() {
		if l, _ := lists.Lookup(name); name != list && !l.ImportOnly {
			fmt.Fprintf(&b, "  %s:\n    enabled: false\n", name)
		}
	}
	q := make([]string, len(urls))
	for i, u := range urls {
		q[i] = fmt.Sprintf("%q", u)
	}
	fmt.Fprintf(&b, "  %s:\n    enabled: true\n    urls: [%s]\n    timeout: %s\n    retries: 0\n", list, strings.Join(q, ", "), timeout)
	path := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func doctorJSON(t *testing.T, out string) doctorReport {
	t.Helper()
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor --format json: %v\n%s", err, out)
	}
	return rep
}

// TestOFACUserAgentRule: against a server applying OFAC's firewall rule,
// the default settings fetch and store the real file; a user_agent that
// breaks the rule gets a 403 whose message names the rule; doctor reports
// both.
func TestDoctorOFACUserAgentRule(t *testing.T) {
	srv := newOFACServer(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))
	url := srv.URL + "/api/PublicationPreview/exports/CONSOLIDATED.XML"

	t.Run("default User-Agent", func(t *testing.T) {
		c := newCLI(t)
		cfg := writeListConfig(t, "", "ofac-consolidated", 20*time.Second, url)
		c.mustRun(0, "--config", cfg, "fetch", "--no-notify")
		if out := c.mustRun(0, "snapshots"); !strings.Contains(out, "ofac-consolidated") {
			t.Errorf("no ofac-consolidated snapshot stored:\n%s", out)
		}
		out := c.mustRun(0, "--config", cfg, "doctor")
		for _, want := range []string{"ofac-consolidated", "ok", "200 OK", "text/xml", `"cons-2025-03-28"`, "XML <sdnList>", "doctor: everything is usable"} {
			if !strings.Contains(out, want) {
				t.Errorf("doctor output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("user_agent breaking the rule", func(t *testing.T) {
		c := newCLI(t)
		cfg := writeListConfig(t, `user_agent: "tracker/0.1 (sanctions list monitor; +https://github.com/cybersanctions/tracker)"`, "ofac-consolidated", 20*time.Second, url)
		code, _, errOut := c.run("--config", cfg, "fetch", "--no-notify")
		if code != exitTrouble {
			t.Fatalf("fetch: exit %d, want %d\n%s", code, exitTrouble, errOut)
		}
		for _, want := range []string{"403 Forbidden", `starts with "Mozilla/" and a digit and is at least 40 characters long`, "user_agent"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("fetch error lacks %q:\n%s", want, errOut)
			}
		}
		code, out, errOut := c.run("--config", cfg, "doctor", "--format", "json")
		if code != exitTrouble {
			t.Errorf("doctor: exit %d, want %d\n%s%s", code, exitTrouble, out, errOut)
		}
		rep := doctorJSON(t, out)
		if len(rep.Lists) != 1 || rep.Lists[0].Verdict != verdictRefused || !strings.Contains(rep.Lists[0].Hint, `"Mozilla/" and a digit`) || rep.Usable {
			t.Errorf("doctor report: %+v", rep)
		}
		// The check warns before anything is fetched.
		out = c.mustRun(0, "--config", cfg, "config", "check")
		if !strings.Contains(out, "warning: lists.ofac-consolidated: user agent") || !strings.Contains(out, "would be refused with 403") {
			t.Errorf("config check did not warn:\n%s", out)
		}
	})
}

// TestRunOnceUserAgent: the daemon sends each list's effective user_agent:
// the default passes OFAC's rule; a list's own, which wins over a global one
// that would pass, breaks it, and the failure names the rule.
func TestRunOnceUserAgent(t *testing.T) {
	srv := newOFACServer(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))
	url := srv.URL + "/CONSOLIDATED.XML"
	tests := []struct {
		name  string
		extra string
		code  int
		want  string
	}{
		{"default", "", 0, "ofac-consolidated: "},
		{"global passes, list's own breaks the rule", "user_agent: \"Mozilla/5.0 (compatible; our-mirror-check/1.0; +https://example.org)\"", exitTrouble, `"Mozilla/" and a digit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeListConfig(t, tt.extra, "ofac-consolidated", 20*time.Second, url)
			if tt.code != 0 {
				data, _ := os.ReadFile(cfg)
				data = append(data, "    user_agent: curl/8.5.0\n"...)
				os.WriteFile(cfg, data, 0o600)
			}
			c := newCLI(t)
			code, out, errOut := c.run("--config", cfg, "run", "--once")
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("run --once: exit %d, want %d with %q\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

// TestDoctorVerdicts: each way a publisher can answer gets its verdict,
// hint and exit status.
func TestDoctorVerdicts(t *testing.T) {
	list := shareddata.Path(t, "ofac/xml/2020-04-22.sdn-excerpt.xml")
	data, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	serveList := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write(data)
	}
	login := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Password</form></body></html>")
	}
	// other is a second host: a CDN that serves the list, or a portal.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			login(w, r)
			return
		}
		serveList(w, r)
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok/SDN.XML", serveList)
	mux.HandleFunc("/login/SDN.XML", login)
	mux.HandleFunc("/403/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "<html><title>Access denied</title></html>")
	})
	mux.HandleFunc("/500/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	})
	mux.HandleFunc("/503/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	})
	stall := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	mux.HandleFunc("/stall/SDN.XML", stall)
	mux.HandleFunc("/stall-body/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		stall(w, r)
	})
	mux.HandleFunc("/cdn/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/files/SDN.XML", http.StatusFound)
	})
	mux.HandleFunc("/portal/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/login", http.StatusFound)
	})
	mux.HandleFunc("/moved/SDN.XML", http.NotFound)
	mux.HandleFunc("/csv/SDN.XML", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, "Name,Country\nACME,XX\n")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release) // before srv.Close: the stalled handlers return

	tests := []struct {
		name    string
		path    string
		code    int
		verdict string
		hint    string
		format  string
	}{
		{"200 with the list", "/ok/SDN.XML", 0, verdictOK, "", "XML <sdnList>"},
		{"200 HTML login page", "/login/SDN.XML", exitTrouble, verdictHTML, "the publisher changed access", "html"},
		{"403", "/403/SDN.XML", exitTrouble, verdictRefused, "refused access for another reason", "html"},
		{"500", "/500/SDN.XML", exitTrouble, verdictOutage, "publisher outage (HTTP 500)", ""},
		{"503", "/503/SDN.XML", exitTrouble, verdictOutage, "the daemon will retry", ""},
		{"stall before the headers", "/stall/SDN.XML", exitTrouble, verdictTimeout, "no answer within 1s (lists.ofac-sdn.timeout)", "-"},
		{"stall after the headers", "/stall-body/SDN.XML", exitTrouble, verdictTimeout, "the network or the publisher is slow", "-"},
		{"redirect to another host serving the list", "/cdn/SDN.XML", 0, verdictNote, "redirected to another host (" + strings.TrimPrefix(other.URL, "http://") + "); it serves the list", "XML <sdnList>"},
		{"redirect to another host serving HTML", "/portal/SDN.XML", exitTrouble, verdictHTML, "redirected to another host (" + strings.TrimPrefix(other.URL, "http://") + ") that serves a web page", "html"},
		{"404", "/moved/SDN.XML", exitTrouble, verdictHTTP, "HTTP 404: check lists.ofac-sdn.urls", ""},
		{"wrong format", "/csv/SDN.XML", exitTrouble, verdictFormat, `want XML <sdnList> or OFAC CSV`, `CSV "Name,Country"`},
		{"local file", "file://" + list, 0, verdictOK, "", "XML <sdnList>"},
		{"local file missing", "file://" + list + ".gone", exitTrouble, verdictNotFound, "the local file does not exist", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			u := srv.URL + tt.path + "?token=s3cr3t-value"
			if strings.HasPrefix(tt.path, "file://") {
				u = tt.path
			}
			cfg := writeListConfig(t, "", "ofac-sdn", time.Second, u)
			start := time.Now()
			code, out, errOut := c.run("--config", cfg, "doctor", "--format", "json")
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("doctor took %s", took)
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			rep := doctorJSON(t, out)
			if len(rep.Lists) != 1 {
				t.Fatalf("lists: %+v", rep.Lists)
			}
			got := rep.Lists[0]
			if got.Verdict != tt.verdict || !strings.Contains(got.Hint, tt.hint) || (tt.hint == "") != (got.Hint == "") {
				t.Errorf("verdict %q hint %q, want %q with %q", got.Verdict, got.Hint, tt.verdict, tt.hint)
			}
			if tt.format != "" && got.Format != tt.format {
				t.Errorf("format %q, want %q", got.Format, tt.format)
			}
			if rep.Usable != (tt.code == 0) {
				t.Errorf("usable = %v with exit %d", rep.Usable, code)
			}
			if strings.Contains(out+errOut, "s3cr3t") {
				t.Errorf("the URL's secret is in the output:\n%s", out)
			}
			if rep.Slack.Detail != "stdout (Slack not configured)" || rep.Slack.Verdict != verdictOK {
				t.Errorf("slack: %+v", rep.Slack)
			}
			if rep.Database.Verdict != verdictOK || !strings.Contains(rep.Database.Detail, "not created yet") {
				t.Errorf("database: %+v", rep.Database)
			}
		})
	}

	// The text form: one table row, the hint under it.
	c := newCLI(t)
	cfg := writeListConfig(t, "", "ofac-sdn", time.Second, srv.URL+"/500/SDN.XML")
	code, out, _ := c.run("--config", cfg, "doctor")
	if code != exitTrouble || !regexp.MustCompile(`(?m)^ofac-sdn +outage +500 Internal Server Error +http://`).MatchString(out) ||
		!strings.Contains(out, "  ofac-sdn: publisher outage (HTTP 500)") || !strings.Contains(out, "doctor: problems found") {
		t.Errorf("text output (exit %d):\n%s", code, out)
	}
}

// TestDoctorDatabase: schema version and the daemon's lock holder.
func TestDoctorDatabase(t *testing.T) {
	srv := newOFACServer(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))
	c := newCLI(t)
	cfg := writeListConfig(t, "", "ofac-consolidated", 20*time.Second, srv.URL+"/CONSOLIDATED.XML")
	c.mustRun(0, "--config", cfg, "fetch", "--no-notify")
	rep := doctorJSON(t, c.mustRun(0, "--config", cfg, "doctor", "--format", "json"))
	if !strings.Contains(rep.Database.Detail, "writable, schema") || !strings.Contains(rep.Database.Detail, "(latest)") || !strings.Contains(rep.Database.Detail, "no daemon running") {
		t.Errorf("database: %+v", rep.Database)
	}
	// A daemon holding the lock is reported with its pid, and is no problem.
	lock, err := acquireTestLock(c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	rep = doctorJSON(t, c.mustRun(0, "--config", cfg, "doctor", "--format", "json"))
	if want := fmt.Sprintf("daemon running (pid %d)", os.Getpid()); !strings.Contains(rep.Database.Detail, want) {
		t.Errorf("database: %+v, want %q", rep.Database, want)
	}
	// Not a database: a problem with a hint.
	bad := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(bad, []byte("this is not SQLite, just text long enough to be read as a header......"), 0o600)
	code, out, _ := c.run("--config", cfg, "--db", bad, "doctor", "--format", "json")
	rep = doctorJSON(t, out)
	if code != exitTrouble || rep.Database.Verdict != verdictProblem || !strings.Contains(rep.Database.Hint, "cannot read it as a tracker database") {
		t.Errorf("junk database: exit %d, %+v", code, rep.Database)
	}
}

func acquireTestLock(db string) (*daemon.Lock, error) { return daemon.AcquireLock(db) }

// TestDoctorSlack: a bot token is checked with auth.test, which posts
// nothing; a refused token is a problem whose hint never shows the token.
func TestDoctorSlack(t *testing.T) {
	srv := newOFACServer(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))
	good := newSlackCapture(t)
	bad := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
		})
	})
	bad.Start()
	defer bad.Stop()
	tests := []struct {
		name    string
		apiURL  string
		code    int
		verdict string
		want    string
	}{
		{"token accepted", good.GetAPIURL(), 0, verdictOK, "auth.test OK"},
		{"token refused", bad.GetAPIURL(), exitTrouble, verdictProblem, "invalid_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slack := fmt.Sprintf("slack:\n  token: %s\n  channel: \"#sanctions\"\n  api_url: %s\n", cliToken, tt.apiURL)
			cfg := writeListConfig(t, slack, "ofac-consolidated", 20*time.Second, srv.URL+"/CONSOLIDATED.XML")
			c := newCLI(t)
			code, out, errOut := c.run("--config", cfg, "doctor", "--format", "json")
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			rep := doctorJSON(t, out)
			if rep.Slack.Verdict != tt.verdict || !strings.Contains(rep.Slack.Detail+" "+rep.Slack.Hint, tt.want) {
				t.Errorf("slack: %+v, want %s with %q", rep.Slack, tt.verdict, tt.want)
			}
			if strings.Contains(out+errOut, cliToken) {
				t.Errorf("the token is in the output:\n%s", out)
			}
			if n := len(good.posts()); n != 0 {
				t.Errorf("doctor posted %d messages", n)
			}
		})
	}
}
