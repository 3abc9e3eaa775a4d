package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

// testToken is the bot token of the tests; it must never show in a log or
// an error.
const testToken = "xoxb-4242-SECRET-do-not-log-me"

// post is one chat.postMessage the test server accepted.
type post struct {
	channel, threadTS, ts string
	text                  string // the fallback text and every string in the blocks
}

// slackAPI is slack-go's slacktest server with our own chat.postMessage:
// it answers from a script ("ok", "429" with Retry-After 1, "429:120",
// "500", or a Slack error code such as "invalid_auth"; "ok" once the script
// is used up) and records the
// token and every accepted message.
type slackAPI struct {
	*slacktest.Server
	mu       sync.Mutex
	script   []string
	requests int
	accepted []post
	tokens   map[string]bool
	delay    time.Duration
}

func newSlackAPI(t testing.TB, script ...string) *slackAPI {
	t.Helper()
	api := &slackAPI{script: script, tokens: map[string]bool{}}
	// Handle on a started server is ignored (slacktest registers its own
	// chat.postMessage first); a Binder replaces it.
	api.Server = slacktest.NewTestServer(func(c slacktest.Customize) { c.Handle("/chat.postMessage", api.handle) })
	api.Start()
	t.Cleanup(api.Stop)
	return api
}

func (api *slackAPI) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	if api.delay > 0 {
		time.Sleep(api.delay)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	api.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+form.Get("token")] = true
	answer := "ok"
	if api.requests < len(api.script) {
		answer = api.script[api.requests]
	}
	api.requests++
	w.Header().Set("Content-Type", "application/json")
	switch answer {
	case "ok":
		ts := fmt.Sprintf("1636329600.%06d", len(api.accepted)+1)
		api.accepted = append(api.accepted, post{channel: form.Get("channel"), threadTS: form.Get("thread_ts"), ts: ts,
			text: form.Get("text") + "\n" + strings.Join(blockStrings(form.Get("blocks")), "\n")})
		fmt.Fprintf(w, `{"ok":true,"channel":"C0CYBER","ts":%q}`, ts)
	case "429", "429:120":
		retryAfter := "1"
		if _, after, ok := strings.Cut(answer, ":"); ok {
			retryAfter = after
		}
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"ok":false,"error":"ratelimited"}`)
	case "500":
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "internal server error")
	default:
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, answer)
	}
}

// blockStrings returns every string value in a blocks JSON document.
func blockStrings(blocks string) []string {
	var v any
	if json.Unmarshal([]byte(blocks), &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k])
			}
		}
	}
	walk(v)
	return out
}

func (api *slackAPI) counts() (requests, accepted int) {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.requests, len(api.accepted)
}

func (api *slackAPI) posts() []post {
	api.mu.Lock()
	defer api.mu.Unlock()
	return append([]post(nil), api.accepted...)
}

// clock is the time of a test, shared by the store and the dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a database, a Slack test server and the outbox between them.
type fixture struct {
	t       testing.TB
	dbPath  string
	st      *store.Store
	clock   *clock
	api     *slackAPI
	planner *Planner
	disp    *Dispatcher
	logs    *bytes.Buffer
	sleeps  []time.Duration
}

func newFixture(t testing.TB, script ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, dbPath: filepath.Join(t.TempDir(), "tracker.db"), api: newSlackAPI(t, script...),
		clock: &clock{t: time.Date(2021, 11, 8, 16, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	f.st = f.open()
	f.planner = &Planner{
		Store:     f.st,
		Notifiers: []string{"slack"},
		Filter:    func(string) diff.Filter { return diff.Filter{Regimes: []string{"CYBER", "CYBER2", "CYBER3", "CYBER4"}} },
		Kinds:     []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended},
		Channel:   func(string, []string) string { return "#sanctions" },
		Publisher: func(string) string { return "US OFAC (SDN List)" },
	}
	f.disp = f.newDispatcher(f.st)
	return f
}

func (f *fixture) open() *store.Store {
	f.t.Helper()
	st, err := store.Open(context.Background(), f.dbPath)
	if err != nil {
		f.t.Fatal(err)
	}
	st.Now = f.clock.now
	f.t.Cleanup(func() { st.Close() })
	return st
}

// newDispatcher is what a new tracker process would build.
func (f *fixture) newDispatcher(st *store.Store) *Dispatcher {
	f.t.Helper()
	n, err := notify.NewSlack(testToken, "#sanctions", notify.WithAPIURL(f.api.GetAPIURL()))
	if err != nil {
		f.t.Fatal(err)
	}
	return &Dispatcher{
		Store:     st,
		Notifiers: []notify.Notifier{n},
		MaxAge:    72 * time.Hour,
		Log:       slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       f.clock.now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.sleeps = append(f.sleeps, d)
			f.clock.advance(d)
			return ctx.Err()
		},
	}
}

func (f *fixture) run() Result {
	f.t.Helper()
	res, err := f.disp.Run(context.Background())
	if err != nil {
		f.t.Fatalf("dispatcher run: %v", err)
	}
	return res
}

// save stores a snapshot of ofac-sdn with its deliveries.
func (f *fixture) save(published string, es ...*tracker.Entity) *store.SaveResult {
	f.t.Helper()
	res, err := f.st.SaveSnapshot(context.Background(), store.NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: published,
		RawSHA256: published, Entities: es, AfterSave: f.planner.AfterSave})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) delivery(id int64) store.Delivery {
	f.t.Helper()
	d, err := f.st.Delivery(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// entity builds a canonical designation.
func entity(id, name string, programs ...string) *tracker.Entity {
	e := &tracker.Entity{ID: id, Name: name, Kind: tracker.KindEntity, Programs: programs}
	e.Canonicalize()
	return e
}

// bigCyber builds a designation with enough detail that a few dozen of
// them need several Slack messages.
func bigCyber(i int) *tracker.Entity {
	e := &tracker.Entity{ID: strconv.Itoa(50000 + i), Kind: tracker.KindPerson,
		Name:     fmt.Sprintf("SYNTHETIC ACTOR %03d, Aleksandr Igorevich", i),
		Programs: []string{"CYBER2"}, BirthPlaces: []string{"Saint Petersburg, Russia"},
		Remarks: strings.Repeat(fmt.Sprintf("Synthetic remark %03d for a long alert. ", i), 12)}
	for k := range 6 {
		e.Aliases = append(e.Aliases, tracker.Alias{Name: fmt.Sprintf("ALIAS %03d-%d", i, k), Type: "aka"})
		e.Identifiers = append(e.Identifiers, tracker.Identifier{Type: "Digital Currency Address - XBT",
			Value: fmt.Sprintf("bc1qsynthetic%03d%dq9x8y7w6v5u4t3s2r1p0nmlkjhgfed", i, k)})
	}
	e.Canonicalize()
	return e
}
