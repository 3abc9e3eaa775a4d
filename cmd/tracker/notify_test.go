package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

const cliToken = "xoxb-1111-CLI-SECRET-token"

// slackCapture is slacktest with our own chat.postMessage: it answers
// every post with answer ("ok" or a Slack error code) and keeps the raw,
// form-decoded bodies of the accepted ones.
type slackCapture struct {
	*slacktest.Server
	mu       sync.Mutex
	answer   string
	accepted []string
}

func newSlackCapture(t *testing.T) *slackCapture {
	t.Helper()
	s := &slackCapture{answer: "ok"}
	s.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			s.mu.Lock()
			defer s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if s.answer != "ok" {
				fmt.Fprintf(w, `{"ok":false,"error":%q}`, s.answer)
				return
			}
			s.accepted = append(s.accepted, form.Get("channel")+"\n"+form.Get("text")+"\n"+form.Get("blocks"))
			fmt.Fprintf(w, `{"ok":true,"channel":"C0CYBER","ts":"1636329600.%06d"}`, len(s.accepted))
		})
	})
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

func (s *slackCapture) posts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.accepted...)
}

func (s *slackCapture) set(answer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = answer
}

// slackConfig writes a config sending alerts to the test server.
func slackConfig(t *testing.T, api *slackCapture) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tracker.yaml")
	cfg := fmt.Sprintf("slack:\n  token: %s\n  channel: \"#sanctions\"\n  api_url: %s\n", cliToken, api.GetAPIURL())
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportAlertsOnce runs the real CLI over OFAC's sdn.csv of 2021-10-29
// and 2021-11-08: the baseline alerts nothing, the second import posts one
// alert naming the seven new CYBER2 designations, and nothing after that
// posts it again.
func TestImportAlertsOnce(t *testing.T) {
	dir := shareddata.Dir(t)
	oldPath := filepath.Join(dir, "ofac/sdn-csv/2021-10-29.sdn.csv")
	newPath := filepath.Join(dir, "ofac/sdn-csv/2021-11-08.sdn.csv")
	_, oldCyber := rawSDN(t, oldPath)
	newLines, newCyber := rawSDN(t, newPath)
	var want []string // names of the new CYBER designations, read apart from the parser
	for id := range newCyber {
		if !oldCyber[id] {
			name := strings.SplitN(newLines[id], ",", 2)[1]
			name = name[1 : strings.Index(name[1:], `"`)+1]
			want = append(want, name)
		}
	}
	if len(want) != 7 {
		t.Fatalf("%d new cyber designations in the files, want OFAC's seven of 2021-11-08: %q", len(want), want)
	}

	api := newSlackCapture(t)
	c := newCLI(t)
	cfg := slackConfig(t, api)
	steps := []struct {
		args     []string
		posts    int
		contains string
	}{
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-10-29", oldPath}, 0, "baseline"},
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-11-08", newPath}, 1, "alerts: 1 sent"},
		{[]string{"notify"}, 1, ""},
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-11-08", newPath}, 1, "nothing stored"},
	}
	for _, s := range steps {
		out := c.mustRun(0, append([]string{"--config", cfg}, s.args...)...)
		if !strings.Contains(out, s.contains) {
			t.Errorf("tracker %s: output %q lacks %q", s.args[0], out, s.contains)
		}
		if got := len(api.posts()); got != s.posts {
			t.Fatalf("after tracker %s: %d posts, want %d", strings.Join(s.args, " "), got, s.posts)
		}
	}
	post := api.posts()[0]
	if !strings.HasPrefix(post, "#sanctions\n") {
		t.Errorf("posted to %q", strings.SplitN(post, "\n", 2)[0])
	}
	for _, name := range want {
		if !strings.Contains(post, name) {
			t.Errorf("the alert does not name %q", name)
		}
	}
	if out := c.mustRun(0, "--config", cfg, "outbox"); !strings.Contains(out, "outbox empty") {
		t.Errorf("outbox after sending: %s", out)
	}
}

// TestNoNotifyThenOutbox: --no-notify queues; outbox shows it; a failed
// attempt shows its error (never the token); notify sends it once.
func TestNoNotifyThenOutbox(t *testing.T) {
	api := newSlackCapture(t)
	c := newCLI(t)
	cfg := slackConfig(t, api)
	c.mustRun(0, "--config", cfg, "import", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
	c.mustRun(0, "--config", cfg, "import", "--no-notify", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"))
	if n := len(api.posts()); n != 0 {
		t.Fatalf("%d posts with --no-notify", n)
	}
	var entries []outboxEntry
	if err := json.Unmarshal([]byte(c.mustRun(0, "--config", cfg, "outbox", "--format", "json")), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Status != "pending" || entries[0].SnapshotID != 2 || entries[0].Channel != "#sanctions" || entries[0].Attempts != 0 {
		t.Fatalf("outbox %+v", entries)
	}

	api.set("invalid_auth")
	code, out, errOut := c.run("--config", cfg, "notify")
	if code != exitTrouble || !strings.Contains(errOut, "invalid_auth") || !strings.Contains(errOut, "the token is not valid") {
		t.Errorf("notify with a bad token: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	text := c.mustRun(0, "--config", cfg, "outbox")
	if !strings.Contains(text, "invalid_auth") || !strings.Contains(text, "pending") {
		t.Errorf("outbox does not show the failure:\n%s", text)
	}
	for _, s := range []string{out, errOut, text} {
		if strings.Contains(s, cliToken) {
			t.Errorf("the token appears in the output: %s", s)
		}
	}

	api.set("ok")
	if out := c.mustRun(0, "--config", cfg, "notify"); !strings.Contains(out, "alerts: 1 sent") {
		t.Errorf("notify: %s", out)
	}
	c.mustRun(0, "--config", cfg, "notify")
	posts := api.posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	if !strings.Contains(posts[0], "CYBER4") {
		t.Errorf("the alert lacks the CYBER4 designations: %s", posts[0])
	}
}

func TestNotifyTest(t *testing.T) {
	api := newSlackCapture(t)
	c := newCLI(t)
	cfg := slackConfig(t, api)
	if out := c.mustRun(0, "--config", cfg, "notify", "--test"); !strings.Contains(out, "test message sent") {
		t.Errorf("notify --test: %s", out)
	}
	if posts := api.posts(); len(posts) != 1 || !strings.Contains(posts[0], "test message") {
		t.Errorf("posts %q", posts)
	}
	for _, answer := range []string{"invalid_auth", "channel_not_found"} {
		api.set(answer)
		code, out, errOut := c.run("--config", cfg, "notify", "--test")
		if code != exitTrouble || !strings.Contains(errOut, answer) || strings.Contains(out+errOut, cliToken) {
			t.Errorf("notify --test against %s: exit %d\nstdout: %s\nstderr: %s", answer, code, out, errOut)
		}
	}
}

// TestAlertsToStdout: without a slack section the alert is written to the
// command's standard output.
func TestAlertsToStdout(t *testing.T) {
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
	out := c.mustRun(0, "import", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"))
	if !strings.Contains(out, "CYBER4") || !strings.Contains(out, "alerts: 1 sent") {
		t.Errorf("import output:\n%s", out)
	}
	if again := c.mustRun(0, "notify"); strings.Contains(again, "CYBER4") {
		t.Errorf("the alert was written twice:\n%s", again)
	}
}
