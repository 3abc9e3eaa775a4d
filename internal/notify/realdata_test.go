package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

// sharedChanges parses two published files of a list and returns the cyber
// changes between them, as the daemon would hand them to the outbox.
func sharedChanges(t *testing.T, list, oldRel, newRel string) (lists.List, *source.Publication, []tracker.Change) {
	t.Helper()
	l, err := lists.Lookup(list)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(rel string) *source.Publication {
		p := shareddata.Path(t, rel)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := l.Parse(context.Background(), []source.RawFile{{Name: filepath.Base(p), Origin: p, Data: data}})
		if err != nil {
			t.Fatalf("parse %s: %v", rel, err)
		}
		return pub
	}
	old, cur := parse(oldRel), parse(newRel)
	changes := diff.Filter{Regimes: l.CyberRegimes}.Apply(diff.Compare(list, old.Entities, cur.Entities))
	return l, cur, changes
}

// expectedChanges reads the cyber rows ("| ADDED | ref | programme | …")
// of one section of a CHANGES.md ground truth.
func expectedChanges(t *testing.T, rel, section string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(shareddata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(data), section)
	if !ok {
		t.Fatalf("%s: no section %q", rel, section)
	}
	if i := strings.Index(body, "\n## "); i >= 0 {
		body = body[:i]
	}
	row := regexp.MustCompile(`(?m)^\| (ADDED|AMENDED|REMOVED) \| (\S+) \| ([^|]*) \|`)
	want := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(body, -1) {
		if strings.Contains(strings.ToUpper(m[3]), "CYB") {
			want[m[2]] = strings.ToLower(m[1])
		}
	}
	if len(want) == 0 {
		t.Fatalf("%s %s: no cyber rows", rel, section)
	}
	return want
}

// TestRealLists renders the cyber changes between published files of the
// UK, EU and US lists, delivers them to slacktest and stdout, and checks
// every change of the ground truth is announced once, within limits.
func TestRealLists(t *testing.T) {
	tests := []struct {
		list, old, new   string
		changes, section string
		wantText         []string // in the Slack sections
	}{
		{"uk-sanctions-list", "uk/fcdo/2023-06-05.UK-Sanctions-List.xml", "uk/fcdo/2025-04-10.UK-Sanctions-List.xml",
			"uk/fcdo/CHANGES.md", "## Cyber regime", []string{"*Reasons:* ", "*Reference:* `CYB0064`"}},
		{"eu-fsf", "eu/fsf/2020-07-29.xml", "eu/fsf/2020-07-30.xml",
			"eu/fsf/CHANGES.md", "## 2020-07-29.xml -> 2020-07-30.xml", []string{"<http://data.europa.eu/eli/reg_impl/2020/1125/oj|", "*Reference:* `EU.5908.99`"}},
		{"eu-fsf", "eu/fsf/2020-10-22.xml", "eu/fsf/2020-11-20.xml",
			"eu/fsf/CHANGES.md", "## 2020-10-22.xml -> 2020-11-20.xml", []string{"Unit 74455"}},
		{"ofac-sdn", "ofac/constructed/2025-06-30.sdn.xml", "ofac/constructed/2025-11-19.sdn.xml",
			"ofac/constructed/CHANGES.md", "## 3 ADDED", []string{"Digital Currency Address - XBT `FIXTURE-FAKE-XBT-ADDRESS-0000000000000001`"}},
	}
	for _, tt := range tests {
		t.Run(tt.new, func(t *testing.T) {
			l, pub, changes := sharedChanges(t, tt.list, tt.old, tt.new)
			want := expectedChanges(t, tt.changes, tt.section)
			a := Alert{List: l.Name, Publisher: l.Publisher, SnapshotID: 2, PublishedAt: pub.PublishedAt, Channel: "#cyber", Changes: changes}

			api := newSlackAPI(t, nil)
			s, err := NewSlack(testToken, "#default", WithAPIURL(api.GetAPIURL()))
			if err != nil {
				t.Fatal(err)
			}
			var log progressLog
			if err := s.Deliver(context.Background(), a, Progress{}, log.record); err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			for i, p := range api.accepted() {
				checkMessage(t, fmt.Sprintf("message %d", i+1), p.text, p.blocks, p.form.Get("blocks"))
				text.WriteString(sectionTexts(p.blocks))
			}
			got := text.String()
			refs := regexp.MustCompile("(?m)(?:^\\*Reference:\\* `([^`]+)`|^• \\*.*?\\* `([^`]+)` — )")
			seen := map[string]int{}
			for _, m := range refs.FindAllStringSubmatch(got, -1) {
				seen[m[1]+m[2]]++
			}
			for ref, kind := range want {
				if seen[ref] != 1 {
					t.Errorf("%s %s announced %d times, want once", kind, ref, seen[ref])
				}
			}
			if len(seen) != len(want) {
				t.Errorf("announced %d designations, the ground truth has %d: %v", len(seen), len(want), seen)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(got, w) {
					t.Errorf("Slack sections lack %q", w)
				}
			}
			unescape := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
			shortened := 0
			for _, line := range strings.Split(got, "\n") {
				if r, ok := strings.CutPrefix(line, "*Reasons:* "); ok {
					if n := utf8.RuneCountInString(unescape.Replace(r)); n > capReasons {
						t.Errorf("statement of reasons of %d runes, want at most %d", n, capReasons)
					}
					if strings.HasSuffix(r, "…") {
						shortened++
					}
				}
			}
			if tt.list == "uk-sanctions-list" && shortened == 0 {
				t.Error("no UK statement of reasons was long enough to be shortened: the check proves nothing")
			}

			var out bytes.Buffer
			st, _ := NewStdout(&out, "json")
			if err := st.Deliver(context.Background(), a, Progress{}, log.record); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != len(changes) {
				t.Errorf("%d JSON lines for %d changes", len(lines), len(changes))
			}
			for _, ln := range lines {
				var c jsonChange
				if err := json.Unmarshal([]byte(ln), &c); err != nil || c.List != tt.list || c.Kind == "" || c.ID == "" {
					t.Errorf("JSON line %.200s: %v", ln, err)
				}
			}
		})
	}
}
