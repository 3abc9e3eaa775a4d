package store

import (
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
