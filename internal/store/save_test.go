package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
)

// TestSaveRandomHistory stores random publications, each adding, removing
// and amending entities of the one before, and checks every snapshot's
// stored changes against diff.Compare of the publications themselves and
// its stored entities against what was saved.
func TestSaveRandomHistory(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	r := rand.New(rand.NewPCG(8, 8))
	var prev []*tracker.Entity
	for day := 1; day <= 25; day++ {
		var cur []*tracker.Entity
		// Every third day most entities change: more than addBatch new
		// versions, some of them back to earlier content.
		changeShare := 2
		if day%3 == 0 {
			changeShare = 8
		}
		for id := range 300 {
			i := slices.IndexFunc(prev, func(e *tracker.Entity) bool { return e.ID == strconv.Itoa(id) })
			switch p := r.IntN(10); {
			case p < 2: // not in this publication
			case p < 2+changeShare || i < 0: // a new version (or back to an old one)
				cur = append(cur, ents(fmt.Sprintf("%d=NAME %d V%d/P%d", id, id, r.IntN(3), r.IntN(2)))...)
			default: // as before
				cur = append(cur, prev[i])
			}
		}
		if len(cur) == 0 {
			continue
		}
		r.Shuffle(len(cur), func(i, j int) { cur[i], cur[j] = cur[j], cur[i] })
		res := save(t, s, fmt.Sprintf("2024-01-%02d", day), cur)
		if res.Created && res.Previous != nil {
			if want := diff.Compare("ofac-sdn", prev, cur); !reflect.DeepEqual(res.Changes, want) {
				t.Fatalf("day %d: changes =\n%+v\nwant\n%+v", day, res.Changes, want)
			}
		}
		got, err := s.Entities(ctx, &res.Snapshot)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), ids(cur)) {
			t.Fatalf("day %d: stored entities %q, want %q", day, ids(got), ids(cur))
		}
		prev = cur
	}
}

func TestSaveDuplicateID(t *testing.T) {
	s := openTest(t)
	_, err := s.SaveSnapshot(context.Background(), NewSnapshot{List: "ofac-sdn", Entities: ents("1=A/X", "2=B/X", "1=C/X")})
	if err == nil || !strings.Contains(err.Error(), "entity id 1 given twice") {
		t.Fatalf("err = %v, want the duplicate id named", err)
	}
	if snaps, _ := s.Snapshots(context.Background(), ""); len(snaps) != 0 {
		t.Errorf("snapshots stored: %+v", snaps)
	}
}

// TestPublishedOrderIsByDate: 30-Sep is before 08-Oct although "30" sorts
// after "08"; dates are stored ISO and compared as dates.
func TestPublishedOrderIsByDate(t *testing.T) {
	for _, tt := range []struct{ a, b string }{{"2026-09-30", "2026-10-08"}, {"2025-12-31", "2026-01-01"}} {
		if before, err := publishedBefore(tt.a, tt.b); err != nil || !before {
			t.Errorf("publishedBefore(%s, %s) = %v, %v", tt.a, tt.b, before, err)
		}
		if before, err := publishedBefore(tt.b, tt.a); err != nil || before {
			t.Errorf("publishedBefore(%s, %s) = %v, %v", tt.b, tt.a, before, err)
		}
	}
	if _, err := publishedBefore("30-Sep-2026", "2026-10-08"); err == nil {
		t.Error("a non-ISO date compared without error")
	}
}

func TestOlderPublicationRejected(t *testing.T) {
	s := openTest(t)
	save(t, s, "2024-05-03", ents("1=ALPHA/CYBER2"))
	_, err := s.SaveSnapshot(context.Background(), NewSnapshot{List: "ofac-sdn", PublishedAt: "2024-03-05", Entities: ents("1=ALPHA/CYBER2", "2=B/X")})
	if err == nil {
		t.Fatal("an older publication was stored after a newer one")
	}
	snaps, _ := s.Snapshots(context.Background(), "ofac-sdn")
	if len(snaps) != 1 {
		t.Errorf("snapshots = %d, want 1", len(snaps))
	}
}

func TestAfterSaveFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2"))
	boom := errors.New("outbox write failed")
	_, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", PublishedAt: "2024-02-01", Entities: ents("1=ALPHA/CYBER2", "2=NEW/CYBER2"),
		AfterSave: func(context.Context, *sql.Tx, *SaveResult) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	latest, err := s.Latest(ctx, "ofac-sdn")
	if err != nil || latest.EntityCount != 1 {
		t.Fatalf("latest after a failed save = %+v, %v; want the old snapshot", latest, err)
	}
	es, err := s.Entities(ctx, latest)
	if err != nil || len(es) != 1 {
		t.Fatalf("entities after rollback = %d, %v", len(es), err)
	}
}
