package store

import (
	"context"
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
