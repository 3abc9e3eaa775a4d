package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/cybersanctions/tracker"
)

// Stdout writes alerts to a writer (standard output, where journald picks
// them up) when Slack is not configured: the same content as Slack as
// plain text, or one JSON object per change.
type Stdout struct {
	mu   sync.Mutex // one alert's lines stay together
	w    io.Writer
	json bool
}

// NewStdout returns a notifier writing format "text" (or "") or "json".
func NewStdout(w io.Writer, format string) (*Stdout, error) {
	switch format {
	case "", "text":
		return &Stdout{w: w}, nil
	case "json":
		return &Stdout{w: w, json: true}, nil
	}
	return nil, fmt.Errorf("stdout notifier: unknown format %q (want text or json)", format)
}

// Name implements Notifier.
func (s *Stdout) Name() string { return "stdout" }

// Deliver implements Notifier. The whole alert is one message, written with
// a single Write.
func (s *Stdout) Deliver(ctx context.Context, a Alert, p Progress, record func(Progress) error) error {
	if p.Sent >= 1 {
		return nil
	}
	if ctx.Err() != nil {
		return canceled(ctx, "stdout", 1, 1)
	}
	var buf bytes.Buffer
	var err error
	if s.json {
		err = writeJSON(&buf, a)
	} else {
		writeText(&buf, a)
	}
	if err != nil {
		return &Error{Err: fmt.Errorf("stdout: encode alert: %w", err)}
	}
	if buf.Len() > 0 {
		s.mu.Lock()
		_, err = s.w.Write(buf.Bytes())
		s.mu.Unlock()
		if err != nil {
			return &Error{Retryable: true, Err: fmt.Errorf("stdout: write: %w", err)}
		}
	}
	p.Sent = 1
	if record == nil {
		return nil
	}
	if err := record(p); err != nil {
		return recordFailed(1, 1, err)
	}
	return nil
}

// writeText renders the content Slack shows, as plain text: no escaping,
// but every value has been through clean, so no control character from a
// list reaches the terminal.
func writeText(w *bytes.Buffer, a Alert) {
	if a.Screening != nil {
		writeHitText(w, a)
		return
	}
	if a.Operator != "" {
		w.WriteString("!! tracker")
		if a.List != "" {
			w.WriteString(" " + clean(a.List))
		}
		w.WriteString(": " + clean(a.Operator) + "\n")
		return
	}
	c := buildContent(a)
	if len(c.cards)+len(c.amended)+len(c.removed) == 0 {
		return
	}
	w.WriteString("== " + c.header(1000) + " ==\n")
	if len(c.meta) > 0 {
		w.WriteString(strings.Join(c.meta, " · ") + "\n")
	}
	if c.diffURL != "" {
		w.WriteString("all changes of this publication: " + c.diffURL + "\n")
	}
	for _, sg := range c.signals {
		w.WriteString("!! " + sg + "\n")
	}
	for _, cd := range c.cards {
		w.WriteString("\n+ " + cd.name + "\n")
		for _, r := range cd.rows {
			more := ""
			if r.more > 0 {
				more = " +" + strconv.Itoa(r.more) + " more"
			}
			if r.list {
				w.WriteString("    " + r.label + ":\n")
				for _, v := range r.values {
					w.WriteString("      - " + v.plain() + "\n")
				}
				if more != "" {
					w.WriteString("      -" + more + "\n")
				}
				continue
			}
			vs := make([]string, len(r.values))
			for i, v := range r.values {
				vs[i] = v.plain()
			}
			w.WriteString("    " + r.label + ": " + strings.Join(vs, "; ") + more + "\n")
		}
	}
	for _, g := range []struct {
		mark  string
		title string
		items []compact
	}{{"~", "Amended", c.amended}, {"-", "Removed", c.removed}} {
		if len(g.items) == 0 {
			continue
		}
		w.WriteString("\n" + g.title + ":\n")
		for _, cp := range g.items {
			w.WriteString(g.mark + " " + cp.name)
			if cp.ref != "" {
				w.WriteString(" [" + cp.ref + "]")
			}
			w.WriteString(" — " + cp.details)
			if cp.url != "" {
				w.WriteString(" " + cp.url)
			}
			w.WriteString("\n")
			if cp.also != "" {
				w.WriteString("    " + cp.also + "\n")
			}
		}
	}
}

func (v value) plain() string {
	parts := make([]string, 0, 4)
	for _, s := range []string{v.text, v.code} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, " ")
	if v.note != "" {
		s += " (" + v.note + ")"
	}
	if v.url != "" {
		s += " " + v.url
	}
	return s
}

// jsonChange is one line of the JSON output.
type jsonChange struct {
	List        string                `json:"list"`
	Snapshot    int64                 `json:"snapshot"`
	PublishedAt string                `json:"published_at,omitempty"`
	FetchedAt   string                `json:"fetched_at,omitempty"` // only when the list states no date
	Kind        tracker.ChangeKind    `json:"kind"`
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	EntityKind  tracker.Kind          `json:"entity_kind,omitempty"`
	Programs    []string              `json:"programs"`
	Fields      []tracker.FieldChange `json:"fields,omitempty"`
	Entity      *tracker.Entity       `json:"entity,omitempty"`
	AlsoListed  []tracker.Listing     `json:"also_listed,omitempty"`
	NotListedBy []string              `json:"not_listed_by,omitempty"`
}

type jsonOperator struct {
	List     string `json:"list,omitempty"`
	Snapshot int64  `json:"snapshot,omitempty"`
	Operator string `json:"operator"`
}

// writeJSON writes one object per change, unshortened: JSON is for
// machines, and its escaping keeps every value intact. encoding/json
// already writes C0 controls as \u escapes; C1 controls and bidi controls
// it leaves raw, so escapeControls makes them \u escapes too.
func writeJSON(w *bytes.Buffer, a Alert) error {
	if a.Screening != nil {
		return writeHitJSON(w, a)
	}
	enc := json.NewEncoder(w)
	if a.Operator != "" {
		if err := enc.Encode(jsonOperator{List: a.List, Snapshot: a.SnapshotID, Operator: a.Operator}); err != nil {
			return err
		}
	}
	for _, c := range a.Changes {
		programs := c.Programs
		if programs == nil {
			programs = []string{}
		}
		err := enc.Encode(jsonChange{
			List: a.List, Snapshot: a.SnapshotID, PublishedAt: a.PublishedAt, FetchedAt: a.FetchedAt,
			Kind: c.Kind, ID: c.ID, Name: c.Name, EntityKind: c.EntityKind,
			Programs: programs, Fields: c.Fields, Entity: c.Entity,
			AlsoListed: c.AlsoListed, NotListedBy: c.NotListedBy,
		})
		if err != nil {
			return fmt.Errorf("change %s: %w", c.ID, err)
		}
	}
	escapeControls(w)
	return nil
}

// escapeControls rewrites, in encoded JSON, the UTF-8 of C1 controls
// (U+0080–U+009F) and of bidi controls as \u escapes. They can only occur
// inside strings, where an escape means the same character.
func escapeControls(w *bytes.Buffer) {
	b := w.Bytes()
	if !bytes.ContainsAny(b, "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		return
	}
	var out bytes.Buffer
	out.Grow(len(b) + 32)
	for _, r := range string(b) {
		if (r >= 0x80 && r <= 0x9f) || isBidiControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	w.Reset()
	w.Write(out.Bytes())
}
