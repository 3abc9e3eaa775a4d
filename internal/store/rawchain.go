package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// RawDamage is a raw file that cannot be read back: its data is missing or
// does not decompress to what was recorded. Every file stored as a delta
// down its chain is unreadable with it, so it names the snapshots affected.
type RawDamage struct {
	Ref      RawRef
	Name     string
	Reason   string
	Affected []int64 // the snapshots whose files' chains pass through it, itself included, ascending
}

func (d *RawDamage) Error() string {
	return fmt.Sprintf("raw file %s (file %d of snapshot %d): %s; snapshots affected: %s",
		d.Name, d.Ref.Seq, d.Ref.Snapshot, d.Reason, idRanges(d.Affected))
}

// idRanges writes ascending ids as "3, 5-9, 12", so a long chain stays one
// readable line.
func idRanges(ids []int64) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if j == i {
			fmt.Fprintf(&b, "%d", ids[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", ids[i], ids[j])
		}
		i = j + 1
	}
	return b.String()
}

// rawRow reads one stored row, its data still compressed.
func rawRow(ctx context.Context, q querier, ref RawRef) (RawFile, error) {
	f := RawFile{}
	var baseSnap, baseSeq sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT name, size, sha256, codec, base_snapshot, base_seq, depth, data FROM raw_files WHERE snapshot_id = ? AND seq = ?`,
		ref.Snapshot, ref.Seq).Scan(&f.Name, &f.Size, &f.SHA256, &f.Codec, &baseSnap, &baseSeq, &f.Depth, &f.Blob)
	if err != nil {
		return RawFile{}, err
	}
	if baseSnap.Valid {
		f.Base = &RawRef{baseSnap.Int64, int(baseSeq.Int64)}
	}
	return f, nil
}

// rawContent reads a stored file back: it walks the chain of bases down to
// the self-contained version, then decodes up again, checking every
// version's sha256 on the way, so a damaged file is named as the one that
// is damaged, not as the one that was asked for. The walk is at most
// RawFullEvery long, and holds the compressed chain and two versions.
func rawContent(ctx context.Context, q querier, ref RawRef) ([]byte, error) {
	var chain []RawFile
	var refs []RawRef
	at := ref
	for {
		f, err := rawRow(ctx, q, at)
		if errors.Is(err, sql.ErrNoRows) {
			if len(chain) == 0 {
				return nil, fmt.Errorf("raw file %d of snapshot %d: %w", at.Seq, at.Snapshot, ErrNotFound)
			}
			return nil, damage(ctx, q, at, chain[len(chain)-1].Name, "missing: a base no longer stored")
		}
		if err != nil {
			return nil, fmt.Errorf("raw file %d of snapshot %d: %w", at.Seq, at.Snapshot, err)
		}
		switch {
		case f.Pruned() && len(chain) > 0:
			return nil, damage(ctx, q, at, f.Name, "pruned, although later versions are deltas of it")
		case f.Pruned():
			return nil, fmt.Errorf("raw file %s: pruned by retention (raw_retention)", f.Name)
		case len(chain) > 0 && f.Depth != chain[len(chain)-1].Depth-1:
			// The depths count down to 0 along a sound chain; anything else
			// is a loop or a broken reference, which must not be walked.
			return nil, damage(ctx, q, refs[len(refs)-1], chain[len(chain)-1].Name,
				fmt.Sprintf("its base is at depth %d where %d was recorded", f.Depth, chain[len(chain)-1].Depth-1))
		}
		chain, refs = append(chain, f), append(refs, at)
		if f.Base == nil {
			break
		}
		at = *f.Base
	}
	var data []byte
	for i := len(chain) - 1; i >= 0; i-- {
		next, err := decodeRaw(chain[i], data)
		if err != nil {
			return nil, damage(ctx, q, refs[i], chain[i].Name, err.Error())
		}
		data = next
	}
	return data, nil
}

// damage builds the error for a damaged or missing raw file, with every
// snapshot it affects.
func damage(ctx context.Context, q querier, ref RawRef, name, reason string) error {
	affected, err := rawDependents(ctx, q, ref)
	if err != nil {
		return fmt.Errorf("raw file %s (file %d of snapshot %d): %s; its dependents could not be listed: %w", name, ref.Seq, ref.Snapshot, reason, err)
	}
	return &RawDamage{Ref: ref, Name: name, Reason: reason, Affected: affected}
}

// rawDependents lists the snapshots whose raw files need ref to be read:
// ref's own and every one stored as a delta down a chain through it.
func rawDependents(ctx context.Context, q querier, ref RawRef) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE dep(snapshot_id, seq) AS (
			SELECT ?, ?
			UNION
			SELECT r.snapshot_id, r.seq FROM raw_files r JOIN dep d ON r.base_snapshot = d.snapshot_id AND r.base_seq = d.seq)
		SELECT DISTINCT snapshot_id FROM dep ORDER BY snapshot_id`, ref.Snapshot, ref.Seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// VerifyRaw reads back every stored raw file and returns one RawDamage for
// each file that is missing or damaged itself (not for those merely
// depending on one: they are in its Affected). Files are decoded in
// storage order, each from its base's content kept from when the base was
// checked, so the whole archive is read once; a base's content is dropped
// as soon as no file left needs it.
func (s *Store) VerifyRaw(ctx context.Context) ([]*RawDamage, error) {
	var found []*RawDamage
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		items, err := rawChainItems(ctx, tx)
		if err != nil {
			return err
		}
		found, err = verifyChains(ctx, tx, items)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("verify raw files: %w", err)
	}
	return found, nil
}

// rawChainItem is one stored raw file as VerifyRaw walks them.
type rawChainItem struct {
	ref     RawRef
	base    *RawRef
	pruned  bool
	waiting int // files still to check that are deltas of this one
}

// rawChainItems lists every raw file in storage order, bases first.
func rawChainItems(ctx context.Context, tx *sql.Tx) ([]rawChainItem, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.snapshot_id, r.seq, r.base_snapshot, r.base_seq, r.data IS NULL,
			(SELECT count(*) FROM raw_files d WHERE d.base_snapshot = r.snapshot_id AND d.base_seq = r.seq)
		FROM raw_files r ORDER BY r.snapshot_id, r.seq`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r scanner) (rawChainItem, error) {
		var it rawChainItem
		var bs, bq sql.NullInt64
		if err := r.Scan(&it.ref.Snapshot, &it.ref.Seq, &bs, &bq, &it.pruned, &it.waiting); err != nil {
			return it, err
		}
		if bs.Valid {
			it.base = &RawRef{bs.Int64, int(bq.Int64)}
		}
		return it, nil
	})
}

// verifyChains decodes every file once, in order, keeping a base's content
// only while deltas of it are still to come, and reports each damaged file
// with the snapshots it affects.
func verifyChains(ctx context.Context, tx *sql.Tx, items []rawChainItem) ([]*RawDamage, error) {
	var found []*RawDamage
	report := func(ref RawRef, name, reason string) error {
		d := damage(ctx, tx, ref, name, reason)
		rd, isDamage := d.(*RawDamage)
		if !isDamage {
			return d
		}
		found = append(found, rd)
		return nil
	}
	waiting := map[RawRef]int{}
	for _, it := range items {
		waiting[it.ref] = it.waiting
	}
	content := map[RawRef][]byte{} // checked content of bases still needed
	broken := map[RawRef]bool{}    // damaged or unreadable because a base is
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if it.pruned {
			continue // retention's doing; a kept delta of it is reported below
		}
		f, err := rawRow(ctx, tx, it.ref)
		if err != nil {
			return nil, err
		}
		var base []byte
		if it.base != nil {
			if broken[*it.base] {
				broken[it.ref] = true
				release(waiting, content, *it.base)
				continue
			}
			var ok bool
			if base, ok = content[*it.base]; !ok {
				// Not checked before it: missing, pruned, or stored after
				// its dependent, which a sound archive never is.
				if err := report(*it.base, f.Name, "missing or pruned, although later versions are deltas of it"); err != nil {
					return nil, err
				}
				broken[*it.base], broken[it.ref] = true, true
				continue
			}
		}
		data, err := decodeRaw(f, base)
		if it.base != nil {
			release(waiting, content, *it.base)
		}
		if err != nil {
			if err := report(it.ref, f.Name, err.Error()); err != nil {
				return nil, err
			}
			broken[it.ref] = true
			continue
		}
		if waiting[it.ref] > 0 {
			content[it.ref] = data
		}
	}
	return found, nil
}

// release notes that one more dependent of ref was checked, and drops ref's
// content when none is left.
func release(waiting map[RawRef]int, content map[RawRef][]byte, ref RawRef) {
	waiting[ref]--
	if waiting[ref] <= 0 {
		delete(content, ref)
	}
}
