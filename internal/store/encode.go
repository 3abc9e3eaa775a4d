package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"sync"

	"github.com/cybersanctions/tracker"
)

// encoded is an entity with the hash of its canonical encoding. The
// encoding itself is made again for the few entities that are stored:
// keeping every one would hold the whole list twice in memory.
type encoded struct {
	e    *tracker.Entity
	key  uint64 // the id's first 8 bytes, big-endian: most comparisons of ids end there
	hash [sha256.Size]byte
}

// compareIDs orders entities by id as strings.Compare does. Comparing the
// ids' first bytes as numbers first makes sorting a list twice as fast:
// where those differ, so do the ids, in the same order.
func compareIDs(a, b encoded) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.e.ID, b.e.ID)
}

func idKey(id string) uint64 {
	var b [8]byte
	copy(b[:], id)
	return binary.BigEndian.Uint64(b[:])
}

// encodeAll hashes every entity's canonical encoding and computes the
// publication's content hash over the (id, entity hash) pairs. It returns
// the entities sorted by id, the order saveTx needs too. Each half of the
// entities is encoded and hashed on its own goroutine. An entity in known
// (the same object as in the list's last snapshot, see
// NewSnapshot.Remembered) has the hash known gives.
func encodeAll(entities []*tracker.Entity, known map[*tracker.Entity][sha256.Size]byte) ([]encoded, string, error) {
	enc := make([]encoded, len(entities))
	half := len(entities) / 2
	done := make(chan struct{})
	go func() {
		defer close(done)
		encodeRange(enc[:half], entities[:half], known)
	}()
	encodeRange(enc[half:], entities[half:], known)
	<-done

	slices.SortFunc(enc, compareIDs)
	h := sha256.New()
	var buf []byte
	for _, x := range enc {
		buf = append(append(append(buf[:0], x.e.ID...), 0), x.hash[:]...)
		h.Write(buf)
	}
	return enc, hex.EncodeToString(h.Sum(nil)), nil
}

func encodeRange(enc []encoded, entities []*tracker.Entity, known map[*tracker.Entity][sha256.Size]byte) {
	var buf []byte
	for i, e := range entities {
		if h, ok := known[e]; ok {
			enc[i] = encoded{e: e, key: idKey(e.ID), hash: h}
			continue
		}
		buf = e.AppendEncode(buf[:0])
		enc[i] = encoded{e: e, key: idKey(e.ID), hash: sha256.Sum256(buf)}
	}
}

// hashMemo keeps, per list, the hashes of the entities of the last
// snapshot stored from a remembering parser, by object. Holding the
// objects keeps them alive, so an address is never another entity's; the
// parser holds the same objects anyway.
type hashMemo struct {
	mu     sync.Mutex
	byList map[string]map[*tracker.Entity][sha256.Size]byte
}

func (m *hashMemo) take(list string) map[*tracker.Entity][sha256.Size]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	known := m.byList[list]
	delete(m.byList, list)
	return known
}

func (m *hashMemo) put(list string, enc []encoded) {
	known := make(map[*tracker.Entity][sha256.Size]byte, len(enc))
	for _, x := range enc {
		known[x.e] = x.hash
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byList == nil {
		m.byList = map[string]map[*tracker.Entity][sha256.Size]byte{}
	}
	m.byList[list] = known
}
