package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	tracker "github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
	"github.com/cybersanctions/tracker/internal/termtext"
)

// Verdicts of one doctor check. Only "ok" and "note" are usable.
const (
	verdictOK       = "ok"
	verdictNote     = "note"    // usable, but worth knowing (a redirect to a CDN, a pending migration)
	verdictRefused  = "refused" // 403
	verdictHTML     = "html"    // a web page instead of the list
	verdictOutage   = "outage"  // 5xx
	verdictTimeout  = "timeout" // no answer, or the body stalled, within the list's timeout
	verdictFormat   = "format"  // 2xx, but not the list's format
	verdictHTTP     = "http"    // another status (404, 429 …)
	verdictNetwork  = "network" // no answer at all (DNS, refused connection, TLS, redirect refused)
	verdictProblem  = "problem" // Slack or database unusable
	verdictNotFound = "missing" // a local file that is not there
)

func usable(verdict string) bool { return verdict == verdictOK || verdict == verdictNote }

// doctorURL is one list URL as doctor saw it.
type doctorURL struct {
	List         string `json:"list"`
	URL          string `json:"url"`
	Status       string `json:"status"`
	FinalURL     string `json:"final_url"`
	ContentType  string `json:"content_type,omitempty"`
	Size         int64  `json:"size"` // -1: unknown
	LastModified string `json:"last_modified,omitempty"`
	ETag         string `json:"etag,omitempty"`
	Format       string `json:"format"`
	FormatOK     bool   `json:"format_ok"`
	DurationMS   int64  `json:"duration_ms"`
	Verdict      string `json:"verdict"`
	Hint         string `json:"hint,omitempty"`
}

// doctorCheck is the Slack or database check.
type doctorCheck struct {
	Verdict string `json:"verdict"`
	Detail  string `json:"detail"`
	Hint    string `json:"hint,omitempty"`
}

// doctorPoll is how the daemon polls a list, from the checks the database
// holds: fast while its server answers 304, else on its schedule.
type doctorPoll struct {
	List     string `json:"list"`
	Schedule string `json:"schedule"`
	daemon.Polling
}

type doctorReport struct {
	Lists    []doctorURL `json:"lists"`
	Slack    doctorCheck `json:"slack"`
	Database doctorCheck `json:"database"`
	Usable   bool        `json:"usable"`

	Polling []doctorPoll `json:"polling"`
}

// doctorHead is how much of each body doctor reads: enough for the XML
// root element or the CSV header, never the whole list.
const doctorHead = 8 << 10

func runDoctor(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("doctor", "[--list NAME]... [--format text|json]", `
Check that this installation can work: for each enabled list, request its
configured URLs the way the daemon does (same User-Agent, timeout and
redirect policy; one attempt, no validators, only the first 8 KiB read) and
report status, final URL, content type, size, Last-Modified/ETag, whether
the first bytes are the list's format, and how long it took. Then check
Slack (auth.test for a bot token; a webhook gets the test message of
'notify --test') and the database (writable, schema version, whether a
daemon holds it). Nothing is stored.

Exit status 0 when everything is usable, 2 otherwise, with a one-line hint
per problem. See docs/operators.md, "tracker doctor".`)
	var lists stringsFlag
	fs.Var(&lists, "list", "check only this list `name` (repeatable)")
	format := formatFlag(fs)
	if err := e.parseFormatFlags(fs, args, format); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if len(lists) == 0 {
		lists = cfg.EnabledLists()
	}
	var rep doctorReport
	rep.Lists, err = doctorLists(ctx, cfg, lists)
	if err != nil {
		return err
	}
	rep.Slack = doctorSlack(ctx, cfg)
	rep.Database = doctorDatabase(ctx, e)
	rep.Polling = doctorPolling(ctx, e, cfg, lists)
	rep.Usable = usable(rep.Slack.Verdict) && usable(rep.Database.Verdict)
	for _, u := range rep.Lists {
		rep.Usable = rep.Usable && usable(u.Verdict)
	}
	if *format == "json" {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		printDoctor(e.stdout, rep)
	}
	if !rep.Usable {
		return exitCodeError{exitTrouble}
	}
	return nil
}

// doctorLists probes every URL of the lists at once: the EU's server can
// take minutes to answer, and the others should not wait for it.
func doctorLists(ctx context.Context, cfg *config.Config, names []string) ([]doctorURL, error) {
	type job struct {
		list string
		url  string
		d    *fetch.Downloader
	}
	var jobs []job
	for _, name := range names {
		spec, err := listSpec(cfg, name)
		if err != nil {
			return nil, err
		}
		urls := spec.URLs
		if len(urls) == 0 {
			urls = spec.List.URLs
		}
		// The daemon's Downloader for this list, less retries: doctor
		// shows the first answer.
		d := spec.FetchRequest(nil, "").Downloader
		d.Retries = 0
		for _, u := range urls {
			jobs = append(jobs, job{name, u, d})
		}
	}
	out := make([]doctorURL, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			p := j.d.Probe(ctx, j.url, doctorHead)
			out[i] = judgeProbe(j.list, p, j.d.Timeout)
		})
	}
	wg.Wait()
	return out, nil
}

// judgeProbe turns what a request showed into a verdict and a hint.
func judgeProbe(list string, p *fetch.Probe, timeout time.Duration) doctorURL {
	f := fetch.SniffFormat(p.Head)
	okFormat, want := true, ""
	if l, err := lists.Lookup(list); err == nil {
		okFormat, want = l.Expects(f)
	}
	r := doctorURL{
		List: list, URL: p.URL, Status: p.Status, FinalURL: p.FinalURL, ContentType: p.ContentType,
		Size: p.Size, LastModified: p.LastModified, ETag: p.ETag, Format: f.String(), FormatOK: okFormat,
		DurationMS: p.Duration.Milliseconds(),
	}
	if r.Status == "" {
		r.Status = "-"
	}
	if len(p.Head) == 0 {
		r.Format = "-"
	}
	otherHost := ""
	if p.OtherHost {
		otherHost = hostOf(p.FinalURL)
	}
	isHTML := f.Kind == "html" || strings.HasPrefix(strings.ToLower(p.ContentType), "text/html") || strings.HasPrefix(strings.ToLower(p.ContentType), "application/xhtml")
	switch code := p.StatusCode; {
	case p.TimedOut:
		r.Verdict, r.Hint = verdictTimeout, fmt.Sprintf("no answer within %s (lists.%s.timeout): the network or the publisher is slow; the daemon will retry", timeout, list)
	case p.Err != nil && code == 0 && errors.Is(p.Err, os.ErrNotExist):
		r.Verdict, r.Hint = verdictNotFound, "the local file does not exist: check lists."+list+".urls"
	case p.Err != nil && code == 0 && p.Status == "local file":
		r.Verdict, r.Hint = verdictNetwork, "cannot read the local file: "+termtext.Clean(p.Err.Error())
	case p.Err != nil && code == 0:
		r.Verdict, r.Hint = verdictNetwork, "could not reach the publisher (DNS, firewall, proxy, TLS?): "+termtext.Clean(p.Err.Error())
	case code == http.StatusForbidden:
		r.Verdict, r.Hint = verdictRefused, p.Hint
	case code >= 500:
		r.Verdict, r.Hint = verdictOutage, fmt.Sprintf("publisher outage (HTTP %d): nothing to fix here, the daemon will retry on its schedule", code)
	case code != 0 && (code < 200 || code > 299):
		r.Verdict, r.Hint = verdictHTTP, fmt.Sprintf("HTTP %d: check lists.%s.urls; the publisher may have moved the file", code, list)
	case isHTML && otherHost != "":
		r.Verdict, r.Hint = verdictHTML, fmt.Sprintf("redirected to another host (%s) that serves a web page, not the list: the publisher changed access (a login or portal?)", otherHost)
	case isHTML:
		r.Verdict, r.Hint = verdictHTML, "a web page (login, maintenance or error page) instead of the list: the publisher changed access"
	case p.Err != nil && len(p.Head) == 0:
		r.Verdict, r.Hint = verdictNetwork, "the answer broke off before any byte of the body: "+termtext.Clean(p.Err.Error())
	case !okFormat:
		r.Verdict, r.Hint = verdictFormat, fmt.Sprintf("got %s, want %s: the publisher changed the format, or the URL is wrong", r.Format, want)
	case otherHost != "":
		// Publishers serve from CDNs and storage hosts: the list's format
		// on another host is usable, worth a note only.
		r.Verdict, r.Hint = verdictNote, fmt.Sprintf("redirected to another host (%s); it serves the list", otherHost)
	default:
		r.Verdict = verdictOK
	}
	return r
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// doctorSlack checks the notifier without queueing anything.
func doctorSlack(ctx context.Context, cfg *config.Config) doctorCheck {
	if cfg.Slack == nil {
		return doctorCheck{Verdict: verdictOK, Detail: "stdout (Slack not configured)"}
	}
	n, _, err := newNotifier(cfg, io.Discard, "text")
	if err != nil {
		return doctorCheck{Verdict: verdictProblem, Detail: "Slack", Hint: err.Error()}
	}
	s, ok := n.(*notify.Slack)
	if !ok {
		return doctorCheck{Verdict: verdictOK, Detail: n.Name()}
	}
	info, err := s.Check(ctx)
	if errors.Is(err, notify.ErrNoCheck) {
		// A webhook can only be tested by posting: the same message as
		// 'notify --test'.
		a := notify.Alert{Operator: "tracker doctor: alerts from this tracker will reach this channel. Sent " +
			time.Now().UTC().Format(time.RFC3339) + "."}
		if err := n.Deliver(ctx, a, notify.Progress{}, func(notify.Progress) error { return nil }); err != nil {
			return doctorCheck{Verdict: verdictProblem, Detail: alertTarget(cfg), Hint: err.Error()}
		}
		return doctorCheck{Verdict: verdictOK, Detail: alertTarget(cfg) + ": test message posted"}
	}
	if err != nil {
		return doctorCheck{Verdict: verdictProblem, Detail: alertTarget(cfg), Hint: err.Error()}
	}
	return doctorCheck{Verdict: verdictOK, Detail: alertTarget(cfg) + ": auth.test OK, " + info}
}

// doctorDatabase checks the database without creating or migrating it.
func doctorDatabase(ctx context.Context, e *env) doctorCheck {
	path, err := e.databasePath()
	if err != nil {
		return doctorCheck{Verdict: verdictProblem, Detail: "database", Hint: err.Error()}
	}
	migrations, err := tracker.Migrations()
	if err != nil {
		return doctorCheck{Verdict: verdictProblem, Detail: path, Hint: err.Error()}
	}
	latest := len(migrations)
	c := doctorCheck{Verdict: verdictOK}
	// SQLite writes its -wal and -shm files beside the database: the
	// directory must be writable as well as the file.
	if err := dirWritable(filepath.Dir(path)); err != nil {
		return doctorCheck{Verdict: verdictProblem, Detail: path, Hint: "the database's directory is not writable: " + err.Error()}
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		c.Detail = fmt.Sprintf("%s: not created yet (the first fetch or run creates it at schema %d)", path, latest)
	case err != nil:
		return doctorCheck{Verdict: verdictProblem, Detail: path, Hint: err.Error()}
	case !st.Mode().IsRegular():
		return doctorCheck{Verdict: verdictProblem, Detail: path, Hint: "not a regular file"}
	default:
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err != nil {
			return doctorCheck{Verdict: verdictProblem, Detail: path, Hint: "not writable: " + err.Error()}
		} else {
			f.Close()
		}
		version, err := schemaVersion(ctx, path)
		if err != nil {
			return doctorCheck{Verdict: verdictProblem, Detail: path, Hint: "cannot read it as a tracker database: " + err.Error()}
		}
		switch {
		case version > latest:
			return doctorCheck{Verdict: verdictProblem, Detail: fmt.Sprintf("%s: schema %d, this tracker knows %d", path, version, latest), Hint: "the database is newer than this tracker: upgrade tracker"}
		case version < latest:
			c.Verdict = verdictNote
			c.Detail = fmt.Sprintf("%s: writable, schema %d of %d (migrated on the next fetch or run)", path, version, latest)
		default:
			c.Detail = fmt.Sprintf("%s: writable, schema %d (latest)", path, version)
		}
	}
	held, holder, err := daemon.LockHolder(path)
	switch {
	case err != nil:
		c.Detail += "; daemon lock unreadable: " + err.Error()
	case held:
		c.Detail += "; daemon running (" + holder + ")"
	default:
		c.Detail += "; no daemon running"
	}
	return c
}

func dirWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".tracker-doctor-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// schemaVersion reads PRAGMA user_version read-only: doctor must not
// migrate, or wait on, a database the daemon is using.
func schemaVersion(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, err
	}
	// A file that is not SQLite fails here rather than at user_version.
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return 0, err
	}
	return v, nil
}

// doctorPolling says how the daemon would poll each list now. It reads the
// checks of an existing database read-only; without one (or at an older
// schema) every list is as if never checked.
func doctorPolling(ctx context.Context, e *env, cfg *config.Config, names []string) []doctorPoll {
	var facts func(list string) (store.PollFacts, error)
	if path, err := e.databasePath(); err == nil {
		if _, err := os.Stat(path); err == nil {
			if st, err := e.openStoreToRead(ctx); err == nil {
				defer st.Close()
				facts = func(list string) (store.PollFacts, error) { return st.PollFacts(ctx, list) }
			}
		}
	}
	var out []doctorPoll
	for _, name := range names {
		spec, err := listSpec(cfg, name)
		if err != nil {
			continue // doctorLists reported it
		}
		var f store.PollFacts
		if facts != nil {
			if f, err = facts(name); err != nil {
				f = store.PollFacts{}
			}
		}
		out = append(out, doctorPoll{List: name, Schedule: spec.Schedule, Polling: daemon.Decide(spec, f)})
	}
	return out
}

func printDoctor(w io.Writer, rep doctorReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LIST\tVERDICT\tSTATUS\tFINAL URL\tCONTENT TYPE\tSIZE\tLAST-MODIFIED / ETAG\tFORMAT\tTIME")
	for _, u := range rep.Lists {
		size := "-"
		if u.Size >= 0 {
			size = fmt.Sprint(u.Size)
		}
		validators := strings.Join(nonEmpty(u.LastModified, u.ETag), " / ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.List, u.Verdict, u.Status, u.FinalURL,
			orDash(u.ContentType), size, orDash(validators), u.Format, (time.Duration(u.DurationMS) * time.Millisecond).String())
	}
	tw.Flush()
	for _, u := range rep.Lists {
		if u.Hint != "" {
			fmt.Fprintf(w, "  %s: %s\n", u.List, u.Hint)
		}
	}
	for _, p := range rep.Polling {
		mode := "on its schedule (" + p.Schedule + ")"
		if p.Mode == daemon.ModeFast {
			mode = "fast, every " + p.Every.String()
		}
		fmt.Fprintf(w, "polling:  %s: %s: %s\n", p.List, mode, p.Why)
	}
	fmt.Fprintf(w, "slack:    %s: %s\n", rep.Slack.Verdict, rep.Slack.Detail)
	if rep.Slack.Hint != "" {
		fmt.Fprintf(w, "  slack: %s\n", rep.Slack.Hint)
	}
	fmt.Fprintf(w, "database: %s: %s\n", rep.Database.Verdict, rep.Database.Detail)
	if rep.Database.Hint != "" {
		fmt.Fprintf(w, "  database: %s\n", rep.Database.Hint)
	}
	if rep.Usable {
		fmt.Fprintln(w, "doctor: everything is usable")
	} else {
		fmt.Fprintln(w, "doctor: problems found (see the hints above)")
	}
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
