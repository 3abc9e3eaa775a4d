package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

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
	enc, content, err := encodeAll(es, nil)
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

// TestEncodeAllKnown: an entity object in known takes the hash known
// gives, without encoding it; any other is hashed. (known is trusted: the
// wrong hash given for one entity shows it was taken.)
func TestEncodeAllKnown(t *testing.T) {
	es := ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA")
	copyOf2 := *es[1]
	marked := [sha256.Size]byte{1, 2, 3}
	known := map[*tracker.Entity][sha256.Size]byte{es[0]: marked, &copyOf2: marked}
	enc, _, err := encodeAll(es, known)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range enc {
		body, err := json.Marshal(x.e)
		if err != nil {
			t.Fatal(err)
		}
		want := sha256.Sum256(body)
		if x.e == es[0] {
			want = marked // the same object: known
		}
		if x.hash != want {
			t.Errorf("%s: hash %x, want %x", x.e.ID, x.hash, want)
		}
	}
}

// TestSaveRemembered stores a list's versions as a remembering parser
// gives them (an unchanged entity is the same object): the changes are
// those of fresh objects, and the Store keeps the last version's hashes.
func TestSaveRemembered(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	v1 := ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA")
	v2 := []*tracker.Entity{v1[0], ents("2=BRAVO 2/SDGT")[0], ents("4=DELTA/CYBER2")[0]}
	var res *SaveResult
	for i, es := range [][]*tracker.Entity{v1, v2} {
		var err error
		res, err = s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: fmt.Sprintf("2024-01-0%d", i+1),
			RawSHA256: fmt.Sprint(i), Entities: es, Remembered: true})
		if err != nil {
			t.Fatal(err)
		}
		known := s.hashes.take("ofac-sdn")
		if len(known) != len(es) {
			t.Fatalf("version %d: %d hashes kept, want %d", i+1, len(known), len(es))
		}
		s.hashes.byList["ofac-sdn"] = known
	}
	if got, want := changeKinds(res.Changes), []string{"added 4", "amended 2", "removed 3"}; !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}
