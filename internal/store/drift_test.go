package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/cybersanctions/tracker"
)

// TestFormatDriftRecordedOnce: drift is new for the list only the first
// time a stored snapshot carries it, whether that snapshot is active or
// quarantined; an unchanged publication stores nothing, and a save rolled
// back takes its drift with it.
func TestFormatDriftRecordedOnce(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	col := tracker.Drift{Kind: tracker.DriftColumn, Name: "Risk Score", File: "a.csv"}
	reg := tracker.Drift{Kind: tracker.DriftValue, Name: "regime=New", Example: "X1"}
	names := func(ds []tracker.Drift) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Kind+"/"+d.Name)
		}
		return out
	}
	type step struct {
		name      string
		published string
		entities  []*tracker.Entity
		drift     []tracker.Drift
		guards    Guards
		hookErr   error
		created   bool
		newDrift  []string
	}
	for _, st := range []step{
		{"first snapshot", "2024-01-01", population(10), []tracker.Drift{col}, Guards{}, nil, true, []string{"column/Risk Score"}},
		{"same drift again", "2024-01-02", population(11), []tracker.Drift{col}, Guards{}, nil, true, nil},
		{"unchanged content, new drift waits", "2024-01-03", population(11), []tracker.Drift{reg}, Guards{}, nil, false, nil},
		{"rolled back", "2024-01-04", population(12), []tracker.Drift{reg}, Guards{}, errors.New("outbox full"), false, nil},
		{"quarantined carries it", "2024-01-05", population(2), []tracker.Drift{col, reg}, Guards{MaxRemovedShare: 0.5}, nil, true, []string{"value/regime=New"}},
		{"and then never again", "2024-01-06", population(13), []tracker.Drift{reg, col}, Guards{}, nil, true, nil},
	} {
		hookErr := st.hookErr
		res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "uk-sanctions-list", PublishedAt: st.published, Entities: st.entities,
			Drift: st.drift, Guards: st.guards,
			AfterSave: func(context.Context, *sql.Tx, *SaveResult) error { return hookErr }})
		if hookErr != nil {
			if !errors.Is(err, hookErr) {
				t.Fatalf("%s: err = %v", st.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Created != st.created {
			t.Errorf("%s: created = %v, want %v", st.name, res.Created, st.created)
		}
		if got := names(res.NewDrift); !slices.Equal(got, st.newDrift) {
			t.Errorf("%s: new drift = %q, want %q", st.name, got, st.newDrift)
		}
	}
	ds, err := s.FormatDrifts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Name != "Risk Score" || ds[0].FirstSnapshot != 1 || ds[1].Name != "regime=New" || ds[1].Example != "X1" {
		t.Errorf("stored drift = %+v", ds)
	}
	if sn, err := s.Snapshot(ctx, ds[1].FirstSnapshot); err != nil || sn.Status != tracker.SnapshotQuarantined {
		t.Errorf("the regime's first snapshot = %+v, %v; want the quarantined one", sn, err)
	}
}
