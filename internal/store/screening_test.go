package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"
)

// TestScreeningHitsRecord: a pair is one row; raising it again updates
// what was raised and keeps when it was first raised; the hits of a
// designation are read back by id in the recording transaction.
func TestScreeningHitsRecord(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c := newClock(s, "2021-11-08T10:00:00Z")
	sn := save(t, s, "2021-11-08", ents("33859=VASINSKYI/CYBER2")).Snapshot
	record := func(h ScreeningHit) {
		t.Helper()
		if err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.RecordScreeningHitTx(ctx, tx, h) }); err != nil {
			t.Fatal(err)
		}
	}
	record(ScreeningHit{List: "ofac-sdn", DesignationID: "33859", PartyRef: "C-1", SnapshotID: sn.ID, Score: 0.9,
		Matched: []string{"name", "birth date"}, Version: "v1", Raised: RaisedHit})
	record(ScreeningHit{List: "ofac-sdn", DesignationID: "33859", PartyRef: "C-2", SnapshotID: sn.ID, Score: 1,
		Version: "v1", Raised: RaisedHit})
	c.advance(time.Hour)
	record(ScreeningHit{List: "ofac-sdn", DesignationID: "33859", PartyRef: "C-1", SnapshotID: sn.ID, Score: 0.95,
		Matched: []string{"name"}, Version: "v2", Raised: RaisedAmended})

	var got map[string][]ScreeningHit
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		got, err = s.ScreeningHitsTx(ctx, tx, "ofac-sdn", []string{"33859", "1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := got["33859"]
	if len(got) != 1 || len(hs) != 2 {
		t.Fatalf("hits = %+v, want the two of 33859", got)
	}
	h := hs[0]
	if h.PartyRef != "C-1" || h.Raised != RaisedAmended || h.Version != "v2" || h.Score != 0.95 || !slices.Equal(h.Matched, []string{"name"}) {
		t.Errorf("C-1 = %+v, want the amended raise", h)
	}
	if !h.FirstRaisedAt.Equal(c.t.Add(-time.Hour)) || !h.RaisedAt.Equal(c.t) {
		t.Errorf("C-1 first raised %s, raised %s: want the first time kept", h.FirstRaisedAt, h.RaisedAt)
	}
	if hs[1].Matched == nil || len(hs[1].Matched) != 0 {
		t.Errorf("C-2 matched = %#v, want empty", hs[1].Matched)
	}
	all, err := s.ScreeningHits(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("ScreeningHits = %d, %v", len(all), err)
	}
}
