package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The key index (schema migration 12): a list's blocking keys, as
// (match.KeyHash, link_facts id) pairs, in a few hundred rows of
// link_index instead of a row each. A list's first snapshot has some
// 45,000 keys: inserting them as rows of link_keys cost a fifth of its
// import, most of it SQLite's b-tree work and binding two values a row.
//
// The pairs of a list are split by the top 10 bits of the key hash into
// keyBuckets buckets, a row each, so that a later publication, whose few
// changed entities touch few buckets, rewrites only those. A bucket of
// OFAC's list is ~450 bytes: it fits in its b-tree cell. With 256
// buckets of ~1.8 KB, each spilled into an overflow page, and a later
// publication of OFAC (567 entities relinked, every bucket touched)
// spent 7 ms rewriting them against 4 ms now; with 4096, reading the
// candidates of a first snapshot took half as long again. A bucket's
// data is the uvarint count of its pairs, then each pair, in
// increasing order of key (as unsigned) then id: the key as the uvarint
// difference from the previous key (the first from the bucket's lowest
// key), the id as a uvarint.

// keyBuckets is how many buckets a list's keys are split into: the bits
// of the hash above keyBucketShift.
const (
	keyBucketShift = 54
	keyBuckets     = 1 << (64 - keyBucketShift)
)

// keyBucket is the bucket of a key hash.
func keyBucket(key int64) int64 { return int64(uint64(key) >> keyBucketShift) }

// compareKeyRows orders pairs as a bucket holds them: by key as unsigned,
// so that a bucket's keys are one range, then by id.
func compareKeyRows(a, b keyRow) int {
	if c := cmp.Compare(uint64(a.key), uint64(b.key)); c != 0 {
		return c
	}
	return cmp.Compare(a.entity, b.entity)
}

// sortKeyRows sorts pairs as a bucket holds them and drops duplicates (an
// entity whose two names give one key).
func sortKeyRows(rows []keyRow) []keyRow {
	slices.SortFunc(rows, compareKeyRows)
	return slices.Compact(rows)
}

// encodeKeyBucket appends the data of a bucket holding rows, which are
// sorted (sortKeyRows) and all of bucket.
func encodeKeyBucket(dst []byte, bucket int64, rows []keyRow) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(rows)))
	prev := uint64(bucket) << keyBucketShift
	for _, r := range rows {
		dst = binary.AppendUvarint(dst, uint64(r.key)-prev)
		dst = binary.AppendUvarint(dst, uint64(r.entity))
		prev = uint64(r.key)
	}
	return dst
}

// errKeyBucket is what a bucket's data that does not decode wraps.
var errKeyBucket = errors.New("corrupt key index")

// decodeKeyBucket appends the pairs of a bucket's data to dst. Data that
// is cut short, has bytes left over, leaves its bucket or is out of
// order is an error: a key lost to it would be a link never found.
func decodeKeyBucket(dst []keyRow, bucket int64, data []byte) ([]keyRow, error) {
	n, k := binary.Uvarint(data)
	if k <= 0 || n > uint64(len(data)) {
		return dst, fmt.Errorf("%w: bucket %d: bad count", errKeyBucket, bucket)
	}
	data = data[k:]
	dst = slices.Grow(dst, int(n))
	prev := keyRow{key: int64(uint64(bucket) << keyBucketShift), entity: -1}
	for i := range n {
		d, k := binary.Uvarint(data)
		if k <= 0 {
			return dst, fmt.Errorf("%w: bucket %d: pair %d cut short", errKeyBucket, bucket, i)
		}
		data = data[k:]
		id, k := binary.Uvarint(data)
		if k <= 0 || id > 1<<62 {
			return dst, fmt.Errorf("%w: bucket %d: pair %d cut short", errKeyBucket, bucket, i)
		}
		data = data[k:]
		r := keyRow{key: int64(uint64(prev.key) + d), entity: int64(id)}
		if uint64(r.key) < uint64(prev.key) || keyBucket(r.key) != bucket || compareKeyRows(prev, r) >= 0 {
			return dst, fmt.Errorf("%w: bucket %d: pair %d out of order", errKeyBucket, bucket, i)
		}
		dst = append(dst, r)
		prev = r
	}
	if len(data) > 0 {
		return dst, fmt.Errorf("%w: bucket %d: %d bytes after its pairs", errKeyBucket, bucket, len(data))
	}
	return dst, nil
}

// writeKeyBuckets stores the buckets of list that rows (sorted, as
// sortKeyRows leaves them) fall in, replacing them, but those whose pairs
// are old's (the pairs stored before, sorted): an amendment that keeps
// its keys removes and adds the same pairs, and every bucket written is
// written again to the WAL. A bucket in empty that rows leave without a
// pair is deleted.
func writeKeyBuckets(ctx context.Context, tx *sql.Tx, list string, rows, old []keyRow, empty []int64) error {
	type bucketRow struct {
		bucket int64
		data   []byte
	}
	var out []bucketRow
	// One buffer for every bucket: OFAC's are half a megabyte together.
	buf := make([]byte, 0, len(rows)*10+keyBuckets*2)
	lo := 0 // old's first pair of bucket b or after: both are sorted
	for i := 0; i < len(rows); {
		b := keyBucket(rows[i].key)
		j := i + 1
		for j < len(rows) && keyBucket(rows[j].key) == b {
			j++
		}
		for lo < len(old) && keyBucket(old[lo].key) < b {
			lo++
		}
		hi := lo
		for hi < len(old) && keyBucket(old[hi].key) == b {
			hi++
		}
		if slices.Equal(old[lo:hi], rows[i:j]) {
			i = j
			continue
		}
		start := len(buf)
		buf = encodeKeyBucket(buf, b, rows[i:j])
		out = append(out, bucketRow{b, buf[start:len(buf):len(buf)]})
		i = j
	}
	for _, b := range empty {
		if _, found := slices.BinarySearchFunc(rows, b, func(r keyRow, b int64) int { return cmp.Compare(keyBucket(r.key), b) }); found {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM link_index WHERE list = ? AND bucket = ?`, list, b); err != nil {
			return fmt.Errorf("store key index of %s: %w", list, err)
		}
	}
	if err := insertBatched(ctx, tx, `INSERT OR REPLACE INTO link_index (list, bucket, data) VALUES `, "", 3, len(out),
		func(args []any, i int) []any { return append(args, list, out[i].bucket, out[i].data) }); err != nil {
		return fmt.Errorf("store key index of %s: %w", list, err)
	}
	return nil
}

// bucketsOf returns the distinct buckets of the keys of xs, which are
// sorted by key (key pairs, or key hashes).
func bucketsOf[T any](xs []T, key func(T) int64) []int64 {
	var bs []int64
	for _, x := range xs {
		if b := keyBucket(key(x)); len(bs) == 0 || bs[len(bs)-1] != b {
			bs = append(bs, b)
		}
	}
	return bs
}

func rowKey(r keyRow) int64 { return r.key }

// updateKeyIndex changes list's key index: it removes drop (sorted) and
// every pair of the ids in dropAll, then adds add (sorted). Only the
// buckets these fall in are read and written, unless dropAll names an
// entity: its pairs may be in any bucket.
func updateKeyIndex(ctx context.Context, tx *sql.Tx, list string, add, drop []keyRow, dropAll map[int64]bool) error {
	touched := bucketsOf(add, rowKey)
	touched = append(touched, bucketsOf(drop, rowKey)...)
	slices.Sort(touched)
	touched = slices.Compact(touched)
	if len(touched) == 0 && len(dropAll) == 0 {
		return nil
	}
	query := `SELECT bucket, data FROM link_index WHERE list = ?1 AND bucket IN (SELECT value FROM json_each(?2)) ORDER BY bucket`
	args := []any{list, inJSONInts(touched)}
	if len(dropAll) > 0 {
		query, args = `SELECT bucket, data FROM link_index WHERE list = ?1 ORDER BY bucket`, args[:1]
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read key index of %s: %w", list, err)
	}
	var all []keyRow
	var read []int64
	for rows.Next() {
		var b int64
		var data sql.RawBytes
		if err := rows.Scan(&b, &data); err != nil {
			rows.Close()
			return fmt.Errorf("read key index of %s: %w", list, err)
		}
		if all, err = decodeKeyBucket(all, b, data); err != nil {
			rows.Close()
			return fmt.Errorf("key index of %s: %w", list, err)
		}
		read = append(read, b)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read key index of %s: %w", list, err)
	}
	// all is sorted: its buckets were read in order, each sorted; so is
	// drop, and one walk finds the pairs to drop.
	kept := make([]keyRow, 0, len(all))
	d := 0
	for _, r := range all {
		for d < len(drop) && compareKeyRows(drop[d], r) < 0 {
			d++
		}
		if d < len(drop) && drop[d] == r || dropAll[r.entity] {
			continue
		}
		kept = append(kept, r)
	}
	// Every bucket read is written again: with dropAll, that is all of
	// the list's (rare: old facts this code cannot read).
	return writeKeyBuckets(ctx, tx, list, mergeKeyRows(kept, add), all, read)
}

// mergeKeyRows merges two sorted runs of pairs without duplicates into
// one: a later publication adds a few hundred pairs to tens of
// thousands, which sorting them together again cost as much as the rest
// of the update.
func mergeKeyRows(a, b []keyRow) []keyRow {
	out := make([]keyRow, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := compareKeyRows(a[0], b[0]); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// keyIndexLookup reads, from the key index of every list but list, the
// ids holding each of hashes (sorted as compareKeyRows sorts keys, no
// duplicates): byKey's ids in increasing order, and every id once, in
// increasing order.
func keyIndexLookup(ctx context.Context, q querier, list string, hashes []int64) (map[int64][]int64, []int64, error) {
	buckets := bucketsOf(hashes, func(h int64) int64 { return h })
	rows, err := q.QueryContext(ctx, `SELECT list, bucket, data FROM link_index
		WHERE list <> ?1 AND bucket IN (SELECT value FROM json_each(?2))`, list, inJSONInts(buckets))
	if err != nil {
		return nil, nil, fmt.Errorf("read key index: %w", err)
	}
	defer rows.Close()
	byKey := map[int64][]int64{}
	var ids []int64
	var pairs []keyRow
	for rows.Next() {
		var other string
		var b int64
		var data sql.RawBytes
		if err := rows.Scan(&other, &b, &data); err != nil {
			return nil, nil, fmt.Errorf("read key index: %w", err)
		}
		if pairs, err = decodeKeyBucket(pairs[:0], b, data); err != nil {
			return nil, nil, fmt.Errorf("key index of %s: %w", other, err)
		}
		// The hashes of bucket b are one range of hashes; both sides are
		// sorted, so one walk matches them.
		lo, _ := slices.BinarySearchFunc(hashes, b, func(h, b int64) int { return cmp.Compare(keyBucket(h), b) })
		j := 0
		for i := lo; i < len(hashes) && keyBucket(hashes[i]) == b; i++ {
			h := uint64(hashes[i])
			for j < len(pairs) && uint64(pairs[j].key) < h {
				j++
			}
			for k := j; k < len(pairs) && uint64(pairs[k].key) == h; k++ {
				byKey[hashes[i]] = append(byKey[hashes[i]], pairs[k].entity)
				ids = append(ids, pairs[k].entity)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read key index: %w", err)
	}
	// As link_keys gave them: a key's ids in order, whichever list holds
	// them.
	for _, v := range byKey {
		slices.Sort(v)
	}
	slices.Sort(ids)
	return byKey, slices.Compact(ids), nil
}

// convertLinkKeys moves the keys of link_keys, which migration 12 renamed
// link_keys_v11, into the key index and drops the table: SQL cannot
// write the index's varints. It runs in the migration's transaction.
func convertLinkKeys(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'link_keys_v11'`).Scan(&n); err != nil {
		return fmt.Errorf("convert link keys: %w", err)
	}
	if n == 0 {
		return nil
	}
	// Keys whose entity has no facts row were never found again (their
	// candidate's facts are read by id): they are left behind.
	rows, err := tx.QueryContext(ctx, `SELECT f.list, k.key, k.entity FROM link_keys_v11 k JOIN link_facts f ON f.id = k.entity ORDER BY f.list`)
	if err != nil {
		return fmt.Errorf("convert link keys: %w", err)
	}
	byList := map[string][]keyRow{}
	var lists []string
	for rows.Next() {
		var list string
		var r keyRow
		if err := rows.Scan(&list, &r.key, &r.entity); err != nil {
			rows.Close()
			return fmt.Errorf("convert link keys: %w", err)
		}
		if _, ok := byList[list]; !ok {
			lists = append(lists, list)
		}
		byList[list] = append(byList[list], r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("convert link keys: %w", err)
	}
	for _, list := range lists {
		if err := writeKeyBuckets(ctx, tx, list, sortKeyRows(byList[list]), nil, nil); err != nil {
			return fmt.Errorf("convert link keys: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE link_keys_v11`); err != nil {
		return fmt.Errorf("convert link keys: %w", err)
	}
	return nil
}
