package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
)

// TestDiffMatchesCompare holds Store.Diff, which reads only the entities
// whose version differs, to diff.Compare of the two snapshots' whole
// entity sets, for every pair of snapshots of a history with additions,
// removals, amendments, an entity coming back with its old content and
// one coming back changed, in both directions and across lists.
func TestDiffMatchesCompare(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	history := [][]string{
		{"1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA", "5=ECHO/IRAN"},
		{"1=ALPHA/CYBER2", "2=BRAVO RENAMED/SDGT", "4=DELTA/CYBER4", "5=ECHO/IRAN"},                   // amended, removed, added
		{"1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA", "4=DELTA/CYBER4", "5=ECHO/IRAN"},         // 2 reverts, 3 back as it was
		{"1=ALPHA/CYBER3", "2=BRAVO/SDGT", "3=CHARLIE II/CUBA", "4=DELTA/CYBER4"},                     // regime change, 3 back changed, 5 gone
		{"1=ALPHA/CYBER3", "2=BRAVO/SDGT", "3=CHARLIE II/CUBA", "4=DELTA/CYBER4", "6=FOXTROT/CYBER2"}, // only an addition
	}
	var snaps []*tracker.Snapshot
	for i, specs := range history {
		res := save(t, s, fmt.Sprintf("2024-0%d-01", i+1), ents(specs...))
		snaps = append(snaps, &res.Snapshot)
	}
	// Another list holding some of the same content shares versions with
	// the first and must not leak into its diffs.
	other, err := s.SaveSnapshot(ctx, NewSnapshot{List: "other", Entities: ents("1=ALPHA/CYBER2", "7=GOLF/SDGT")})
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][2]*tracker.Snapshot{{snaps[0], &other.Snapshot}, {&other.Snapshot, snaps[4]}}
	for _, a := range snaps {
		for _, b := range snaps {
			pairs = append(pairs, [2]*tracker.Snapshot{a, b})
		}
	}
	for _, p := range pairs {
		older, newer := p[0], p[1]
		oldEnts, err := s.Entities(ctx, older)
		if err != nil {
			t.Fatal(err)
		}
		newEnts, err := s.Entities(ctx, newer)
		if err != nil {
			t.Fatal(err)
		}
		want := diff.Compare(newer.List, oldEnts, newEnts)
		got, err := s.Diff(ctx, older, newer)
		if err != nil {
			t.Fatalf("Diff(%s, %s): %v", older.Label(), newer.Label(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Diff(%s, %s) =\n%+v\nwant (Compare of whole snapshots)\n%+v", older.Label(), newer.Label(), got, want)
		}
	}
}

func TestDiffQuarantined(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	base := save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA"))
	q, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", PublishedAt: "2024-02-01", Entities: ents("1=ALPHA/CYBER2"),
		Guards: Guards{MinEntities: 2}})
	if err != nil || !q.Quarantined() {
		t.Fatalf("want a quarantined snapshot: %+v, %v", q, err)
	}
	for _, p := range [][2]*tracker.Snapshot{{&base.Snapshot, &q.Snapshot}, {&q.Snapshot, &base.Snapshot}} {
		if _, err := s.Diff(ctx, p[0], p[1]); !errors.Is(err, ErrQuarantined) {
			t.Errorf("Diff(%s, %s): err = %v, want ErrQuarantined", p[0].Label(), p[1].Label(), err)
		}
	}
}

// TestOpenMemberships holds the packed read of the latest memberships to
// a plain row-by-row query, with ids that hold what a separator would
// trip on: line breaks, NUL, non-ASCII, and the lengths of hashes.
func TestOpenMemberships(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ids := []string{"1", "2\n3", "nul\x00inside", "ÄÖÜ-ロシア", strings.Repeat("x", 300), "0000002a", "last"}
	var es []*tracker.Entity
	for i, id := range ids {
		es = append(es, &tracker.Entity{ID: id, Name: fmt.Sprintf("NAME %d", i)})
	}
	save(t, s, "2024-01-01", es)
	// A second snapshot closes one membership and opens another, and a
	// second list must not show up.
	save(t, s, "2024-02-01", append(es[1:len(es):len(es)], &tracker.Entity{ID: "new", Name: "NEW"}))
	if _, err := s.SaveSnapshot(ctx, NewSnapshot{List: "other", Entities: ents("9=OTHER/X")}); err != nil {
		t.Fatal(err)
	}

	want := map[string][sha256.Size]byte{}
	rows, err := s.r.QueryContext(ctx, `SELECT m.entity_id, v.hash FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = 'ofac-sdn' AND m.to_snapshot IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var hash []byte
		if err := rows.Scan(&id, &hash); err != nil {
			t.Fatal(err)
		}
		want[id] = [sha256.Size]byte(hash)
	}
	rows.Close()
	if len(want) != len(ids) {
		t.Fatalf("plain query found %d memberships, want %d", len(want), len(ids))
	}

	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	open, err := openMemberships(ctx, tx, "ofac-sdn", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][sha256.Size]byte{}
	for i, m := range open {
		got[m.id] = m.hash
		if i > 0 && open[i-1].id >= m.id {
			t.Errorf("not sorted by id: %q before %q", open[i-1].id, m.id)
		}
	}
	if len(got) != len(open) || !maps.Equal(got, want) {
		t.Errorf("openMemberships = %q\nwant %q", open, want)
	}
	if got, err := openMemberships(ctx, tx, "no-such-list", 0); err != nil || len(got) != 0 {
		t.Errorf("openMemberships of an unknown list = %v, %v; want none", got, err)
	}
}

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

// TestEncodeAll holds encodeAll's order and content hash to their
// definition: entities sorted by strings.Compare of their ids, and the
// sha256 over each one's id, a zero byte and the sha256 of its encoding.
// Stored snapshots carry this hash, and a publication whose hash equals
// the latest one's is not stored again, so it must never change. The ids
// share long prefixes and hold zero bytes, where comparing by prefix could
// go wrong.
func TestEncodeAll(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	idParts := []string{"", "1", "12", "123456789", "12345678", "\x00", "\x00\x00", "a", "ÄÖ", "\xff"}
	seen := map[string]bool{}
	var es []*tracker.Entity
	for len(es) < 400 {
		id := idParts[r.IntN(len(idParts))] + idParts[r.IntN(len(idParts))] + idParts[r.IntN(len(idParts))]
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		es = append(es, &tracker.Entity{ID: id, Name: fmt.Sprintf("N%d", r.IntN(5))})
	}
	enc, content, err := encodeAll(es)
	if err != nil {
		t.Fatal(err)
	}

	want := slices.Clone(es)
	slices.SortFunc(want, func(a, b *tracker.Entity) int { return strings.Compare(a.ID, b.ID) })
	h := sha256.New()
	for i, e := range want {
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		h.Write([]byte(e.ID))
		h.Write([]byte{0})
		h.Write(sum[:])
		if enc[i].e != e || enc[i].hash != sum {
			t.Fatalf("position %d: %q with hash %x, want %q with %x", i, enc[i].e.ID, enc[i].hash, e.ID, sum)
		}
	}
	if wantContent := hex.EncodeToString(h.Sum(nil)); content != wantContent {
		t.Errorf("content hash %s, want %s", content, wantContent)
	}
}
