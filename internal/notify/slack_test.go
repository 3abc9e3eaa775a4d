package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/slack-go/slack"
)

const testToken = "xoxb-1111111111-2222222222-SeCrEtToKeNvAlUe"

// TestSlackManyDesignations: 120 new designations become several valid
// messages, threaded under the first, each designation exactly once.
func TestSlackManyDesignations(t *testing.T) {
	api := newSlackAPI(t, nil)
	s, err := NewSlack(testToken, "#sanctions-alerts", WithAPIURL(api.GetAPIURL()))
	if err != nil {
		t.Fatal(err)
	}
	a := addedAlert(120)
	var log progressLog
	if err := s.Deliver(context.Background(), a, Progress{}, log.record); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	posts := api.accepted()
	if len(posts) < 2 {
		t.Fatalf("%d messages for 120 designations, want several", len(posts))
	}
	if len(log.saved) != len(posts) {
		t.Fatalf("progress recorded %d times for %d messages", len(log.saved), len(posts))
	}
	var all strings.Builder
	for i, p := range posts {
		label := fmt.Sprintf("message %d/%d", i+1, len(posts))
		checkMessage(t, label, p.text, p.blocks, p.form.Get("blocks"))
		if log.saved[i].Sent != i+1 || log.saved[i].ThreadTS != "1700000000.000001" {
			t.Errorf("%s: progress %+v", label, log.saved[i])
		}
		wantThread, wantChannel := "", "#sanctions-alerts"
		if i > 0 {
			wantThread, wantChannel = "1700000000.000001", "C0ALERTS1"
		}
		if p.threadTS != wantThread || p.channel != wantChannel {
			t.Errorf("%s: posted to %q thread %q, want %q thread %q", label, p.channel, p.threadTS, wantChannel, wantThread)
		}
		if want := fmt.Sprintf("(part %d/%d)", i+1, len(posts)); !strings.Contains(headerText(p.blocks), want) || !strings.Contains(p.text, want) {
			t.Errorf("%s: header %q / text %q without %q", label, headerText(p.blocks), p.text, want)
		}
		if got := p.form.Get("unfurl_links"); got != "false" {
			t.Errorf("%s: unfurl_links=%q", label, got)
		}
		all.WriteString(sectionTexts(p.blocks))
	}
	if !strings.Contains(headerText(posts[0].blocks), "120 new cyber designations — US OFAC (SDN List)") {
		t.Errorf("first header %q", headerText(posts[0].blocks))
	}
	text := all.String()
	for _, c := range a.Changes {
		if n := strings.Count(text, "*"+c.Name+"*"); n != 1 {
			t.Errorf("%s appears %d times across the messages, want once", c.Name, n)
		}
		for _, id := range c.Entity.Identifiers {
			if strings.HasPrefix(id.Type, "Digital Currency") && strings.Count(text, "`"+id.Value+"`") != 1 {
				t.Errorf("%s: wallet %s not shown once", c.Name, id.Value)
			}
		}
	}
	if got := log.last(); got.Sent != len(posts) || got.Channel != "C0ALERTS1" || got.ThreadTS != "1700000000.000001" || got.LastTS != fmt.Sprintf("1700000000.%06d", len(posts)) {
		t.Errorf("final progress %+v", got)
	}

	// Delivered again with the final progress: nothing more is sent.
	if err := s.Deliver(context.Background(), a, log.last(), log.record); err != nil || len(api.accepted()) != len(posts) {
		t.Errorf("redelivery of a finished alert: err %v, %d posts", err, len(api.accepted())-len(posts))
	}
}

// webhookServer records incoming-webhook posts and answers with respond.
type webhookServer struct {
	*httptest.Server
	mu      sync.Mutex
	ok      []post
	url     string // with the secret path
	respond func(n int, w http.ResponseWriter) bool
	n       int
}

const webhookPath = "/services/T0FIXTURE/B0FIXTURE/wEbHoOkSeCrEt0123456789"

func newWebhook(t *testing.T, respond func(n int, w http.ResponseWriter) bool) *webhookServer {
	t.Helper()
	ws := &webhookServer{respond: respond}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != webhookPath || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook: %s %s", r.URL.Path, r.Header.Get("Content-Type"))
		}
		var msg struct {
			Text     string           `json:"text"`
			ThreadTS string           `json:"thread_ts"`
			Blocks   []map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Errorf("webhook body is not JSON: %v", err)
		}
		ws.mu.Lock()
		n := ws.n
		ws.n++
		ws.mu.Unlock()
		if ws.respond != nil && ws.respond(n, w) {
			return
		}
		var raw struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		json.Unmarshal(body, &raw)
		ws.mu.Lock()
		ws.ok = append(ws.ok, post{raw: string(body), decoded: string(body), text: msg.Text, threadTS: msg.ThreadTS, blocks: msg.Blocks,
			form: map[string][]string{"blocks": {string(raw.Blocks)}}})
		ws.mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(ws.Close)
	ws.url = ws.Server.URL + webhookPath
	return ws
}

func TestSlackWebhookParts(t *testing.T) {
	ws := newWebhook(t, nil)
	s, err := NewSlackWebhook(ws.url)
	if err != nil {
		t.Fatal(err)
	}
	a := addedAlert(120)
	var log progressLog
	if err := s.Deliver(context.Background(), a, Progress{}, log.record); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(ws.ok) < 2 || len(log.saved) != len(ws.ok) {
		t.Fatalf("%d webhook posts, %d progress records", len(ws.ok), len(log.saved))
	}
	var all strings.Builder
	for i, p := range ws.ok {
		label := fmt.Sprintf("webhook message %d", i+1)
		checkMessage(t, label, p.text, p.blocks, p.form.Get("blocks"))
		want := fmt.Sprintf("(part %d/%d)", i+1, len(ws.ok))
		if !strings.Contains(headerText(p.blocks), want) || !strings.Contains(p.text, want) {
			t.Errorf("%s: no %q in header %q or text", label, want, headerText(p.blocks))
		}
		if p.threadTS != "" || strings.Contains(p.raw, "continued in the thread") {
			t.Errorf("%s: webhook messages have no thread", label)
		}
		if !strings.Contains(headerText(p.blocks), "US OFAC (SDN List)") {
			t.Errorf("%s: a part must say what it is: %q", label, headerText(p.blocks))
		}
		all.WriteString(sectionTexts(p.blocks))
	}
	for _, c := range a.Changes {
		if n := strings.Count(all.String(), "*"+c.Name+"*"); n != 1 {
			t.Errorf("%s appears %d times", c.Name, n)
		}
	}
	if got := log.last(); got.Sent != len(ws.ok) || got.ThreadTS != "" {
		t.Errorf("final progress %+v", got)
	}
}

// closedURL is an address nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func TestSlackErrors(t *testing.T) {
	status := func(code int, retryAfter, body string) func(int, http.ResponseWriter) bool {
		return func(_ int, w http.ResponseWriter) bool {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(code)
			io.WriteString(w, body)
			return true
		}
	}
	hang := func(_ int, w http.ResponseWriter) bool { time.Sleep(time.Second); return false }
	tests := []struct {
		name       string
		webhook    bool
		respond    func(int, http.ResponseWriter) bool
		down       bool // nothing listens
		timeout    time.Duration
		retryable  bool
		retryAfter time.Duration
		want       []string // in the message
	}{
		{name: "429 retry-after", respond: status(429, "1", ""), retryable: true, retryAfter: time.Second, want: []string{"rate limited", "retry after 1s"}},
		{name: "500", respond: status(500, "", "<html>oops</html>"), retryable: true, want: []string{"HTTP 500"}},
		{name: "503", respond: status(503, "", ""), retryable: true, want: []string{"HTTP 503"}},
		{name: "channel_not_found", respond: okFalse("channel_not_found"), want: []string{"slack: channel_not_found (channel #sanctions-alerts, message 1 of 1): the channel does not exist"}},
		{name: "invalid_auth", respond: okFalse("invalid_auth"), want: []string{"invalid_auth", "token is not valid"}},
		{name: "not_in_channel", respond: okFalse("not_in_channel"), want: []string{"not_in_channel", "invite"}},
		{name: "ok:false ratelimited", respond: okFalse("ratelimited"), retryable: true, want: []string{"ratelimited"}},
		{name: "400", respond: status(400, "", "invalid_arguments"), want: []string{"HTTP 400", "invalid_arguments"}},
		{name: "network down", down: true, retryable: true, want: []string{"network error", "connection refused"}},
		{name: "timeout", respond: hang, timeout: 200 * time.Millisecond, retryable: true, want: []string{"message 1 of 1"}},

		{name: "webhook 429", webhook: true, respond: status(429, "1", "rate_limited"), retryable: true, retryAfter: time.Second, want: []string{"slack webhook: rate limited"}},
		{name: "webhook 500", webhook: true, respond: status(500, "", "internal_error"), retryable: true, want: []string{"HTTP 500"}},
		{name: "webhook no_service", webhook: true, respond: status(404, "", "no_service"), want: []string{"HTTP 404 Not Found no_service", "webhook was removed"}},
		{name: "webhook archived", webhook: true, respond: status(410, "", "channel_is_archived"), want: []string{"channel_is_archived", "archived"}},
		{name: "webhook forbidden page", webhook: true, respond: status(403, "", "<html>"+webhookPath+"</html>"), want: []string{"HTTP 403", "the URL or the credential is wrong"}},
		{name: "webhook down", webhook: true, down: true, retryable: true, want: []string{"slack webhook: network error", "connection refused"}},
		{name: "webhook timeout", webhook: true, respond: hang, timeout: 200 * time.Millisecond, retryable: true, want: []string{"message 1 of 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, secret := failingSlack(t, tt.webhook, tt.down, tt.respond, tt.timeout)
			a := Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", Changes: []tracker.Change{added(cyberEntity(1))}}
			var log progressLog
			err := s.Deliver(context.Background(), a, Progress{}, log.record)
			t.Logf("%v", err)
			var ne *Error
			if !errors.As(err, &ne) {
				t.Fatalf("Deliver = %v (%T), want *notify.Error", err, err)
			}
			if ne.Retryable != tt.retryable || ne.RetryAfter != tt.retryAfter {
				t.Errorf("Retryable %v RetryAfter %v, want %v %v (%v)", ne.Retryable, ne.RetryAfter, tt.retryable, tt.retryAfter, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if len(log.saved) != 0 {
				t.Errorf("progress recorded for a failed message: %+v", log.saved)
			}
			// The credential appears nowhere: not in the message, not in
			// anything the error unwraps to, not in a %+v dump.
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
					if strings.Contains(s, secret) || strings.Contains(s, "wEbHoOkSeCrEt") || strings.Contains(s, "SeCrEtToKeN") {
						t.Errorf("credential in error chain: %s", s)
					}
				}
			}
		})
	}
}

// failingSlack is a notifier for TestSlackErrors: token or webhook mode,
// against a server answering with respond, or against nothing at all
// (down). It returns the credential that no error may show.
func failingSlack(t *testing.T, webhook, down bool, respond func(int, http.ResponseWriter) bool, timeout time.Duration) (*Slack, string) {
	t.Helper()
	var opts []SlackOption
	if timeout > 0 {
		opts = append(opts, WithHTTPClient(&http.Client{Timeout: timeout}))
	}
	var s *Slack
	var err error
	secret := testToken
	if webhook {
		ws := newWebhook(t, respond)
		u := ws.url
		if down {
			u = closedURL(t) + webhookPath
		}
		secret = webhookPath
		s, err = NewSlackWebhook(u, opts...)
	} else {
		u := closedURL(t) + "/api/"
		if !down {
			u = newSlackAPI(t, respond).GetAPIURL()
		}
		s, err = NewSlack(testToken, "#sanctions-alerts", append(opts, WithAPIURL(u))...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s, secret
}

// TestSlackResume: a delivery that fails at message 2 of 3 is delivered
// again from its recorded progress: messages 2 and 3 only, in the thread.
func TestSlackResume(t *testing.T) {
	a := addedAlert(1)
	for n := 2; len(renderSlack(a, true)) < 3; n++ {
		a = addedAlert(n)
	}
	if got := len(renderSlack(a, true)); got != 3 {
		t.Fatalf("no alert renders to exactly 3 messages (got %d)", got)
	}
	fail := true
	api := newSlackAPI(t, func(n int, w http.ResponseWriter) bool {
		if n == 1 && fail {
			fail = false
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	})
	s, err := NewSlack(testToken, "#sanctions-alerts", WithAPIURL(api.GetAPIURL()))
	if err != nil {
		t.Fatal(err)
	}
	var log progressLog
	err = s.Deliver(context.Background(), a, Progress{}, log.record)
	if !IsRetryable(err) {
		t.Fatalf("first attempt: %v, want a retryable error", err)
	}
	p := log.last()
	if p.Sent != 1 || p.ThreadTS != "1700000000.000001" || p.Channel != "C0ALERTS1" {
		t.Fatalf("progress after the failure: %+v", p)
	}
	if err := s.Deliver(context.Background(), a, p, log.record); err != nil {
		t.Fatalf("resumed delivery: %v", err)
	}
	ok := api.accepted()
	if len(ok) != 3 || len(api.posts) != 4 {
		t.Fatalf("server accepted %d of %d posts, want 3 of 4", len(ok), len(api.posts))
	}
	want := renderSlack(a, true)
	for i, p := range ok {
		wantBlocks, _ := json.Marshal(want[i].Blocks)
		if p.form.Get("blocks") != string(wantBlocks) {
			t.Errorf("accepted message %d is not rendered message %d", i+1, i+1)
		}
		wantTS := "1700000000.000001"
		if i == 0 {
			wantTS = ""
		}
		if p.threadTS != wantTS {
			t.Errorf("message %d: thread_ts %q, want %q", i+1, p.threadTS, wantTS)
		}
	}
	if got := log.last(); got.Sent != 3 || got.LastTS != "1700000000.000003" {
		t.Errorf("final progress %+v", got)
	}
}

// TestSlackRecordAndCancel: a failing record stops the delivery (the message
// was accepted; only its progress is lost), and a cancelled context sends
// nothing.
func TestSlackRecordAndCancel(t *testing.T) {
	api := newSlackAPI(t, nil)
	s, err := NewSlack(testToken, "#sanctions-alerts", WithAPIURL(api.GetAPIURL()))
	if err != nil {
		t.Fatal(err)
	}
	a := addedAlert(60)
	err = s.Deliver(context.Background(), a, Progress{}, func(Progress) error { return errors.New("database is locked") })
	if !IsRetryable(err) || !strings.Contains(err.Error(), "record progress after message 1") || len(api.accepted()) != 1 {
		t.Errorf("record failure: %v after %d posts", err, len(api.accepted()))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Deliver(ctx, a, Progress{}, (&progressLog{}).record)
	if !IsRetryable(err) || !errors.Is(err, context.Canceled) || len(api.accepted()) != 1 {
		t.Errorf("cancelled: %v after %d posts", err, len(api.accepted()))
	}
}

// TestSlackInert: list text cannot mention, link or format its way out.
func TestSlackInert(t *testing.T) {
	const evil = "<!channel> & <https://evil.example|click>"
	e := cyberEntity(1)
	e.Name = evil
	e.Aliases = append([]tracker.Alias{{Name: "<!here> <@U024BE7LH> <#C024BE7LR>"}}, e.Aliases...)
	e.Identifiers = append(e.Identifiers, tracker.Identifier{Type: "Digital Currency Address - XBT", Value: "<!subteam^S123>"})
	e.Attrs = map[string]string{"statement_of_reasons": "Involved in <!everyone> attacks > 9000 & more"}
	e.Notices = []tracker.Notice{
		{Title: "Phish <https://evil.example/login|Treasury>", Date: "2024-01-01", URL: "https://evil.example/a|b"},
		{Title: "Real <notice> & co", Date: "2024-01-02", URL: "https://eur-lex.europa.eu/eli/reg_impl/2020/1125/oj?a=1&b=2"},
		{Title: "Script", Date: "2024-01-03", URL: "javascript:alert(1)"},
	}
	am := tracker.Change{Kind: tracker.Amended, ID: "77", Name: "<!channel> amended", Fields: []tracker.FieldChange{{Field: "name", Before: []string{"<!here>"}, After: []string{"<!channel> amended"}}}}
	for _, tt := range []struct {
		name    string
		webhook bool
		changes []tracker.Change
	}{
		{"token, one change", false, []tracker.Change{added(e)}},
		{"webhook, one change", true, []tracker.Change{added(e)}},
		{"token, mixed", false, []tracker.Change{added(e), am}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := Alert{List: "uk-sanctions-list", Publisher: "UK <!channel> (FCDO)", PublishedAt: "<!here>", Changes: tt.changes}
			var posts []post
			if tt.webhook {
				ws := newWebhook(t, nil)
				s, _ := NewSlackWebhook(ws.url)
				if err := s.Deliver(context.Background(), a, Progress{}, (&progressLog{}).record); err != nil {
					t.Fatal(err)
				}
				posts = ws.ok
			} else {
				api := newSlackAPI(t, nil)
				s, _ := NewSlack(testToken, "#x", WithAPIURL(api.GetAPIURL()))
				if err := s.Deliver(context.Background(), a, Progress{}, (&progressLog{}).record); err != nil {
					t.Fatal(err)
				}
				posts = api.accepted()
			}
			if len(posts) != 1 {
				t.Fatalf("%d posts", len(posts))
			}
			// JSON escapes < as \u003c, so the check runs on the decoded
			// strings of the payload, not on its bytes.
			raw := posts[0].text + "\n" + allStrings(posts[0].blocks)
			for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U024BE7LH>", "<#C024BE7LR>", "<https://evil", "evil.example/a|b", "javascript:"} {
				if strings.Contains(raw, bad) {
					t.Errorf("payload carries %q", bad)
				}
			}
			body := sectionTexts(posts[0].blocks)
			for _, want := range []string{
				"*&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;*",
				"&lt;!here&gt; &lt;@U024BE7LH&gt; &lt;#C024BE7LR&gt;",
				"`&lt;!subteam^S123&gt;`",
				"&lt;!everyone&gt; attacks &gt; 9000 &amp; more",
				"<https://eur-lex.europa.eu/eli/reg_impl/2020/1125/oj?a=1&amp;b=2|Real &lt;notice&gt; &amp; co> (2024-01-02)",
				"Phish &lt;https://evil.example/login|Treasury&gt; (2024-01-01)",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("sections lack %q:\n%s", want, body)
				}
			}
			if !strings.Contains(posts[0].text, "&lt;!channel&gt;") {
				t.Errorf("fallback text %q: name not escaped", posts[0].text)
			}
			if h := headerText(posts[0].blocks); strings.ContainsAny(h, "<>") {
				t.Errorf("header %q carries < or >", h)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	ch := func(kind tracker.ChangeKind, name string) tracker.Change {
		return tracker.Change{Kind: kind, ID: name, Name: name}
	}
	long := strings.Repeat("Костюков Игорь Олегович ", 12) // 288 runes, 2 bytes each
	tests := []struct {
		name      string
		publisher string
		changes   []tracker.Change
		want      string
	}{
		{"three new", "US OFAC (SDN List)", []tracker.Change{ch("added", "A"), ch("added", "B"), ch("added", "C")}, "3 new cyber designations — US OFAC (SDN List)"},
		{"one new", "US OFAC (SDN List)", []tracker.Change{ch("added", "ZSERVERS")}, "New cyber designation: ZSERVERS — US OFAC (SDN List)"},
		{"two amended", "EU", []tracker.Change{ch("amended", "A"), ch("amended", "B")}, "2 cyber designations amended — EU"},
		{"one removed", "EU", []tracker.Change{ch("removed", "GRU")}, "Cyber designation removed: GRU — EU"},
		{"two removed", "EU", []tracker.Change{ch("removed", "A"), ch("removed", "B")}, "2 cyber designations removed — EU"},
		{"mixed", "UK (FCDO UK Sanctions List)", []tracker.Change{ch("added", "A"), ch("added", "B"), ch("amended", "C"), ch("removed", "D")}, "2 new, 1 amended, 1 removed — UK (FCDO UK Sanctions List)"},
		{"one of each", "EU", []tracker.Change{ch("added", "A"), ch("removed", "D")}, "1 new, 1 removed — EU"},
		{"no publisher", "", []tracker.Change{ch("added", "A"), ch("added", "B")}, "2 new cyber designations — eu-fsf"},
		{"long cyrillic name", "UK (FCDO UK Sanctions List)", []tracker.Change{ch("added", long)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderSlack(Alert{List: "eu-fsf", Publisher: tt.publisher, Changes: tt.changes}, true)
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			h := msgs[0].Blocks[0].(*slack.HeaderBlock).Text.Text
			if tt.want != "" && h != tt.want {
				t.Errorf("header %q, want %q", h, tt.want)
			}
			if !utf8.ValidString(h) || utf8.RuneCountInString(h) > 150 || u16(h) > 150 {
				t.Errorf("header of %d runes (valid UTF-8: %v): %q", utf8.RuneCountInString(h), utf8.ValidString(h), h)
			}
			if tt.want == "" {
				if !strings.HasPrefix(h, "New cyber designation: Костюков Игорь") || !strings.HasSuffix(h, "… — UK (FCDO UK Sanctions List)") || utf8.RuneCountInString(h) < 140 {
					t.Errorf("long name header %q: want the name cut by runes, the publisher kept", h)
				}
			}
		})
	}
}

func TestSlackOperator(t *testing.T) {
	api := newSlackAPI(t, nil)
	s, _ := NewSlack(testToken, "#ops", WithAPIURL(api.GetAPIURL()))
	a := Alert{List: "ofac-sdn", Channel: "#tracker-ops", Operator: "fetch failed 3 times in a row: parse sdn.csv line 812: <!channel> unexpected quote"}
	var log progressLog
	if err := s.Deliver(context.Background(), a, Progress{}, log.record); err != nil {
		t.Fatal(err)
	}
	posts := api.accepted()
	if len(posts) != 1 || posts[0].channel != "#tracker-ops" || len(log.saved) != 1 {
		t.Fatalf("%d posts to %q", len(posts), posts[0].channel)
	}
	checkMessage(t, "operator", posts[0].text, posts[0].blocks, posts[0].form.Get("blocks"))
	got := sectionTexts(posts[0].blocks)
	if !strings.Contains(got, "`ofac-sdn`") || !strings.Contains(got, "parse sdn.csv line 812: &lt;!channel&gt; unexpected quote") {
		t.Errorf("operator message %q", got)
	}
}

func TestSlackPrintsNoSecret(t *testing.T) {
	tok, _ := NewSlack(testToken, "#x")
	hook, _ := NewSlackWebhook("https://hooks.slack.com" + webhookPath)
	for _, s := range []*Slack{tok, hook} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(f, s); strings.Contains(out, "SeCrEt") {
				t.Errorf("%s prints a credential: %s", f, out)
			}
		}
	}
}

func TestNewSlackRejects(t *testing.T) {
	if _, err := NewSlack("", "#x"); err == nil {
		t.Error("empty token accepted")
	}
	if _, err := NewSlack(testToken, ""); err == nil {
		t.Error("empty channel accepted")
	}
	for _, u := range []string{"hooks.slack.com/services/T/B/SECRETPART", "ftp://hooks.slack.com/services/T/B/SECRETPART", "::SECRETPART"} {
		_, err := NewSlackWebhook(u)
		if err == nil || strings.Contains(err.Error(), "SECRETPART") {
			t.Errorf("NewSlackWebhook(%q) = %v: want an error that does not quote the URL", u, err)
		}
	}
}
