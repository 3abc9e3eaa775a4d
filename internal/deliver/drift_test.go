package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

func TestPlanDriftNotices(t *testing.T) {
	col := tracker.Drift{Kind: tracker.DriftColumn, Name: "Risk Score", File: "a.csv", Pos: "line 2"}
	reg := tracker.Drift{Kind: tracker.DriftValue, Name: "regime=The New Regulations 2099", Example: "NEW0001"}
	prev := &tracker.Snapshot{ID: 1, List: "uk-sanctions-list"}
	active := tracker.Snapshot{ID: 2, List: "uk-sanctions-list", Status: tracker.SnapshotActive}
	quarantined := tracker.Snapshot{ID: 2, List: "uk-sanctions-list", Status: tracker.SnapshotQuarantined, Note: "too many removals."}
	for _, tc := range []struct {
		name string
		res  *store.SaveResult
		want []string // one substring per operator notice, in order
	}{
		{"no new drift", &store.SaveResult{Snapshot: active, Created: true, Previous: prev}, nil},
		{"baseline with drift", &store.SaveResult{Snapshot: active, Created: true, NewDrift: []tracker.Drift{col}},
			[]string{`a new column "Risk Score" (first seen in a.csv line 2, snapshot #2)`}},
		{"two drifts", &store.SaveResult{Snapshot: active, Created: true, Previous: prev, NewDrift: []tracker.Drift{col, reg}},
			[]string{`new column "Risk Score"`, `a regime the tracker does not know: "The New Regulations 2099" (on "NEW0001")`}},
		{"quarantined", &store.SaveResult{Snapshot: quarantined, Created: true, Previous: prev, NewDrift: []tracker.Drift{reg}},
			[]string{"was quarantined as snapshot #2", "the snapshot itself was quarantined"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Planner{Notifiers: []string{"slack"}, OperatorChannel: "#ops"}
			ds, err := p.Plan(tc.res)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != len(tc.want) {
				t.Fatalf("%d deliveries, want %d: %+v", len(ds), len(tc.want), ds)
			}
			for i, d := range ds {
				var a notify.Alert
				if err := json.Unmarshal(d.Payload, &a); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(a.Operator, tc.want[i]) || d.Channel != "#ops" || d.SnapshotID != 2 {
					t.Errorf("notice %d: %+v %q, want it to say %q", i, d, a.Operator, tc.want[i])
				}
			}
		})
	}
}

// TestDriftNoticeOnceToSlack: two UK publications with the same new
// column, whose name holds Slack markup, reach Slack as one operator
// notice, escaped.
func TestDriftNoticeOnceToSlack(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.planner.OperatorChannel = "#ops"
	l, err := lists.Lookup("uk-sanctions-list")
	if err != nil {
		t.Fatal(err)
	}
	in := &ingest.Ingester{Store: f.st, AfterSave: f.planner.AfterSave}
	const column = "Risk <!channel> *Score*"
	for _, day := range []string{"2023-06-05", "2025-04-10"} {
		data, err := os.ReadFile(shareddata.Path(t, "uk/fcdo/"+day+".UK-Sanctions-List.csv"))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		lines[1] = append(bytes.TrimRight(lines[1], "\r\n"), []byte(","+column+"\r\n")...)
		for i := 2; i < len(lines); i++ {
			if len(bytes.TrimSpace(lines[i])) > 0 {
				lines[i] = append(bytes.TrimRight(lines[i], "\r\n"), []byte(",x\r\n")...)
			}
		}
		res, err := in.Ingest(ctx, ingest.Request{List: l, Files: []source.RawFile{{Name: day + ".csv", Data: bytes.Join(lines, nil)}}})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created {
			t.Fatalf("%s not stored", day)
		}
		f.run()
	}
	posts := f.api.posts()
	var notices []post
	for _, p := range posts {
		if strings.Contains(p.text, "format drift") {
			notices = append(notices, p)
		}
	}
	if len(notices) != 1 {
		t.Fatalf("%d drift notices in Slack, want 1: %+v", len(notices), posts)
	}
	n := notices[0]
	if n.channel != "#ops" || strings.Contains(n.text, "<!channel>") || !strings.Contains(n.text, "&lt;!channel&gt;") {
		t.Errorf("notice to %s, not escaped: %s", n.channel, n.text)
	}
}
