package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// cyberEntity builds a designation shaped like OFAC's CYBER2 entries: a
// few aliases, wallets, a passport, an address and a notice.
func cyberEntity(i int) *tracker.Entity {
	id := strconv.Itoa(40000 + i)
	e := &tracker.Entity{
		ID:            id,
		Kind:          tracker.KindPerson,
		Name:          fmt.Sprintf("SYNTHETIC CYBER ACTOR %03d Aleksandr Igorevich", i),
		Programs:      []string{"CYBER2", "RUSSIA-EO14024"},
		Designated:    "2024-03-05",
		BirthDates:    []string{"1987-05-1" + strconv.Itoa(i%10)},
		BirthPlaces:   []string{"Saint Petersburg, Russia"},
		Nationalities: []string{"Russia"},
		Aliases: []tracker.Alias{
			{Name: fmt.Sprintf("ACTOR%03d", i), Type: "aka", Strength: "weak"},
			{Name: fmt.Sprintf("Aleksandr ACTOR %03d", i), Type: "aka", Strength: "strong"},
			{Name: fmt.Sprintf("Alexander ACTOR %03d", i), Type: "aka", Strength: "strong"},
			{Name: fmt.Sprintf("Александр АКТОР %03d", i), Type: "aka"},
			{Name: fmt.Sprintf("xX_actor_%03d_Xx", i), Type: "aka", Strength: "weak"},
			{Name: fmt.Sprintf("A. ACTOR %03d", i), Type: "fka"},
			{Name: fmt.Sprintf("Sasha %03d", i), Type: "aka", Strength: "weak"},
		},
		Identifiers: []tracker.Identifier{
			{Type: "Digital Currency Address - XBT", Value: fmt.Sprintf("bc1qfixturefake%03dq9x8y7w6v5u4t3s2r1p0nmlkjhgfed", i)},
			{Type: "Digital Currency Address - ETH", Value: fmt.Sprintf("0xFIXTURE%03d00000000000000000000000000000001", i)},
			{Type: "Digital Currency Address - USDT", Value: fmt.Sprintf("TFIXTURE%03dFAKEUSDTADDRESS00000001", i)},
			{Type: "Email Address", Value: fmt.Sprintf("actor%03d@example.invalid", i)},
			{Type: "Passport", Value: fmt.Sprintf("7%08d", i), Country: "Russia"},
			{Type: "Gender", Value: "Male"},
		},
		Addresses: []tracker.Address{{City: "Saint Petersburg", Country: "Russia"}},
		Notices: []tracker.Notice{{
			Title: "Cyber-related Designations; Russia-related Designations",
			Date:  "2024-03-05",
			URL:   "https://ofac.treasury.gov/recent-actions/20240305?a=1&b=2",
		}},
		Remarks: "Secondary sanctions risk: section 11 of Executive Order 14024.",
	}
	e.Canonicalize()
	return e
}

func added(e *tracker.Entity) tracker.Change {
	return tracker.Change{Kind: tracker.Added, List: "ofac-sdn", ID: e.ID, Name: e.Name, EntityKind: e.Kind, Programs: e.Programs, Entity: e}
}

func addedAlert(n int) Alert {
	a := Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 42, PublishedAt: "2024-03-05"}
	for i := 1; i <= n; i++ {
		a.Changes = append(a.Changes, added(cyberEntity(i)))
	}
	return a
}

// post is one request a test server received.
type post struct {
	raw      string     // the body as sent
	decoded  string     // form-decoded (token mode) or raw JSON (webhook)
	form     url.Values // token mode
	text     string
	threadTS string
	channel  string
	blocks   []map[string]any
}

// slackAPI is a slacktest server whose chat.postMessage is the test's:
// it records every request and answers with respond (nil: ok).
type slackAPI struct {
	*slacktest.Server
	mu      sync.Mutex
	posts   []post
	ok      []post // accepted ones
	respond func(n int, w http.ResponseWriter) bool
}

func newSlackAPI(t *testing.T, respond func(n int, w http.ResponseWriter) bool) *slackAPI {
	t.Helper()
	api := &slackAPI{respond: respond}
	api.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", api.handle(t))
	})
	api.Start()
	t.Cleanup(api.Stop)
	return api
}

func (api *slackAPI) handle(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("chat.postMessage: body is not a form: %v", err)
		}
		dec, _ := url.QueryUnescape(string(body))
		p := post{raw: string(body), decoded: dec, form: form, text: form.Get("text"), threadTS: form.Get("thread_ts"), channel: form.Get("channel")}
		if b := form.Get("blocks"); b != "" {
			if err := json.Unmarshal([]byte(b), &p.blocks); err != nil {
				t.Errorf("blocks are not JSON: %v", err)
			}
		}
		api.mu.Lock()
		n := len(api.posts)
		api.posts = append(api.posts, p)
		api.mu.Unlock()
		if api.respond != nil && api.respond(n, w) {
			return
		}
		api.mu.Lock()
		api.ok = append(api.ok, p)
		k := len(api.ok)
		api.mu.Unlock()
		ch := p.channel
		if strings.HasPrefix(ch, "#") {
			ch = "C0ALERTS1" // Slack answers with the channel id
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": ch, "ts": fmt.Sprintf("1700000000.%06d", k)})
	}
}

func (api *slackAPI) accepted() []post {
	api.mu.Lock()
	defer api.mu.Unlock()
	return append([]post(nil), api.ok...)
}

func okFalse(code string) func(int, http.ResponseWriter) bool {
	return func(_ int, w http.ResponseWriter) bool {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, code)
		return true
	}
}

// u16 is the length Slack might count: UTF-16 units.
func u16(s string) int { return len(utf16.Encode([]rune(s))) }

// checkMessage asserts one posted message against Slack's documented
// limits and that slack-go can read its blocks back.
func checkMessage(t *testing.T, label string, text string, blocks []map[string]any, rawBlocks string) {
	t.Helper()
	if text == "" || u16(text) > 40000 || !utf8.ValidString(text) {
		t.Errorf("%s: fallback text empty, too long (%d) or invalid UTF-8", label, u16(text))
	}
	if len(blocks) == 0 || len(blocks) > 50 {
		t.Errorf("%s: %d blocks, want 1..50", label, len(blocks))
	}
	var parsed slack.Blocks
	if err := json.Unmarshal([]byte(rawBlocks), &parsed); err != nil || len(parsed.BlockSet) != len(blocks) {
		t.Errorf("%s: slack-go cannot read the blocks back: %v", label, err)
	}
	total := 0
	for i, b := range blocks {
		txt, _ := b["text"].(map[string]any)
		s, _ := txt["text"].(string)
		total += u16(s)
		if !utf8.ValidString(s) {
			t.Errorf("%s block %d: invalid UTF-8", label, i)
		}
		switch b["type"] {
		case "header":
			if txt["type"] != "plain_text" || s == "" || u16(s) > 150 {
				t.Errorf("%s block %d: header %q (%d units), want plain_text of 1..150", label, i, s, u16(s))
			}
		case "section":
			if txt["type"] != "mrkdwn" || s == "" || u16(s) > 3000 || txt["verbatim"] != true {
				t.Errorf("%s block %d: section of %d units (type %v, verbatim %v), want verbatim mrkdwn of 1..3000", label, i, u16(s), txt["type"], txt["verbatim"])
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				t.Errorf("%s block %d: context with %d elements", label, i, len(els))
			}
			for _, el := range els {
				s, _ := el.(map[string]any)["text"].(string)
				total += u16(s)
				if s == "" || u16(s) > 3000 {
					t.Errorf("%s block %d: context text of %d units", label, i, u16(s))
				}
			}
		case "divider":
		default:
			t.Errorf("%s block %d: unexpected type %v", label, i, b["type"])
		}
	}
	if total > 12000 {
		t.Errorf("%s: %d units of block text: Slack rejects such messages (msg_blocks_too_long)", label, total)
	}
}

// sectionTexts joins a message's section texts.
func sectionTexts(blocks []map[string]any) string {
	var b strings.Builder
	for _, bl := range blocks {
		if bl["type"] == "section" {
			b.WriteString(bl["text"].(map[string]any)["text"].(string))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func headerText(blocks []map[string]any) string {
	for _, bl := range blocks {
		if bl["type"] == "header" {
			return bl["text"].(map[string]any)["text"].(string)
		}
	}
	return ""
}

// progressLog records what a delivery persisted.
type progressLog struct{ saved []Progress }

func (l *progressLog) record(p Progress) error {
	l.saved = append(l.saved, p)
	return nil
}

func (l *progressLog) last() Progress {
	if len(l.saved) == 0 {
		return Progress{}
	}
	return l.saved[len(l.saved)-1]
}

// allStrings joins every string inside a decoded JSON value.
func allStrings(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case []map[string]any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}
