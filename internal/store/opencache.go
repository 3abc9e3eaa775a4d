package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// openCache keeps the open memberships (id and version hash of every
// entity) of the last snapshot this Store stored, so that the same list's
// next snapshot stored by the same process, as in a replay or a daemon,
// starts from them rather than reading them back: that read is the
// heaviest query of a snapshot that changed little, 4.7 ms for OFAC's 15k
// entries, a seventh of a replayed version's wall time.
//
// The cache is only used when nothing can have changed those memberships
// since it was made: the list's latest snapshot is still the one it was
// made for; this Store wrote nothing else in between (its own commits do
// not show in data_version); no other connection committed (SQLite's
// PRAGMA data_version on the writer connection is unchanged); and that
// connection is the same one (a new one starts its own count). Anything
// else and the memberships are read from the database as ever.
type openCache struct {
	mu   sync.Mutex
	last *openSet
	// writes counts the Store's write transactions; writeTx adds one.
	writes atomic.Uint64
}

// openSet is one snapshot's open memberships and what makes them current:
// the state of the write transaction that left them.
type openSet struct {
	list     string
	snapshot int64
	left     txState
	open     []openMembership
}

// writerConns counts the writer connections SQLite opened in this
// process: data_version values of two connections do not compare.
var writerConns atomic.Uint64

// take removes and returns the cached set of list, if any: a save uses it
// at most once, and leaves a new one only when it commits.
func (c *openCache) take(list string) *openSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	set := c.last
	if set == nil || set.list != list {
		return nil
	}
	c.last = nil
	return set
}

func (c *openCache) put(set *openSet) {
	c.mu.Lock()
	c.last = set
	c.mu.Unlock()
}

// txState is what a write transaction checks a cached set against and a
// new set records.
type txState struct {
	writes      uint64 // the transaction's number (countedWriteTx)
	dataVersion int64  // PRAGMA data_version in it
	conns       uint64 // writerConns then
}

// readTxState reads the transaction's state; writes is the number
// writeTx gave it.
func readTxState(ctx context.Context, tx *sql.Tx, writes uint64) (txState, error) {
	st := txState{writes: writes, conns: writerConns.Load()}
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&st.dataVersion); err != nil {
		return txState{}, fmt.Errorf("read data_version: %w", err)
	}
	return st, nil
}

// usable returns the cached memberships if they are still those of the
// list's latest snapshot, prev, as seen by the transaction in state st.
func (set *openSet) usable(st txState, prev int64) []openMembership {
	if set == nil || set.snapshot != prev || set.left.writes+1 != st.writes ||
		set.left.dataVersion != st.dataVersion || set.left.conns != st.conns {
		return nil
	}
	return set.open
}

// newOpenSet records enc, the entities of the snapshot just stored in
// the transaction in state st, sorted by id. The ids are copied into one
// string: the entities' own strings hold on to the whole parse.
func newOpenSet(list string, snapshot int64, st txState, enc []encoded) *openSet {
	n := 0
	for _, x := range enc {
		n += len(x.e.ID)
	}
	var b strings.Builder
	b.Grow(n)
	for _, x := range enc {
		b.WriteString(x.e.ID)
	}
	ids := b.String()
	open := make([]openMembership, len(enc))
	at := 0
	for i, x := range enc {
		open[i] = openMembership{id: ids[at : at+len(x.e.ID)], hash: x.hash}
		at += len(x.e.ID)
	}
	return &openSet{list: list, snapshot: snapshot, left: st, open: open}
}

// renewed is the cached set, still that of the list's latest snapshot,
// when a save stored nothing: valid after this transaction as it was
// before it.
func (set *openSet) renewed(st txState, latest int64) *openSet {
	if set.usable(st, latest) == nil {
		return nil
	}
	renewed := *set
	renewed.left = st
	return &renewed
}
