package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
)

// convertGzipRaw re-encodes the raw files an older schema stored as gzip:
// each list's versions of a file, oldest first, as zstd deltas of the one
// before (RawFullEvery), and gives every row its stem. It runs in the
// migration's transaction, one file in memory at a time beside its base. A
// gzip copy that does not give back its recorded sha256 is left as it is,
// so export-raw and VerifyRaw go on reporting it, and is no file's base.
func convertGzipRaw(ctx context.Context, tx *sql.Tx) error {
	type row struct {
		ref        RawRef
		list, name string
		stem       string
		gzip, kept bool
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.snapshot_id, r.seq, s.list, r.name, r.codec = 'gzip', r.data IS NOT NULL
		FROM raw_files r JOIN snapshots s ON s.id = r.snapshot_id WHERE r.stem = '' OR r.codec = 'gzip'`)
	if err != nil {
		return fmt.Errorf("convert raw files: %w", err)
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ref.Snapshot, &r.ref.Seq, &r.list, &r.name, &r.gzip, &r.kept); err != nil {
			rows.Close()
			return fmt.Errorf("convert raw files: %w", err)
		}
		r.stem = rawStem(r.name)
		todo = append(todo, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("convert raw files: %w", err)
	}
	sort.Slice(todo, func(i, j int) bool {
		a, b := todo[i], todo[j]
		if a.list != b.list || a.stem != b.stem {
			return a.list < b.list || a.list == b.list && a.stem < b.stem
		}
		return a.ref.Snapshot < b.ref.Snapshot || a.ref.Snapshot == b.ref.Snapshot && a.ref.Seq < b.ref.Seq
	})
	var base *RawBase
	for i, r := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i > 0 && (todo[i-1].list != r.list || todo[i-1].stem != r.stem) {
			base = nil
		}
		if !r.gzip || !r.kept {
			if _, err := tx.ExecContext(ctx, `UPDATE raw_files SET stem = ? WHERE snapshot_id = ? AND seq = ?`, r.stem, r.ref.Snapshot, r.ref.Seq); err != nil {
				return fmt.Errorf("convert raw file %s of snapshot %d: %w", r.name, r.ref.Snapshot, err)
			}
			continue
		}
		old, err := rawRow(ctx, tx, r.ref)
		if err != nil {
			return fmt.Errorf("convert raw file %s of snapshot %d: %w", r.name, r.ref.Snapshot, err)
		}
		data, err := decodeRaw(old, nil)
		if err != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE raw_files SET stem = ? WHERE snapshot_id = ? AND seq = ?`, r.stem, r.ref.Snapshot, r.ref.Seq); err != nil {
				return fmt.Errorf("convert raw file %s of snapshot %d: %w", r.name, r.ref.Snapshot, err)
			}
			continue
		}
		if base != nil && base.Depth+1 >= RawFullEvery {
			base = nil
		}
		f, err := CompressRawAgainst(old.Name, data, base)
		if err != nil {
			return fmt.Errorf("convert raw file %s of snapshot %d: %w", r.name, r.ref.Snapshot, err)
		}
		var baseSnap, baseSeq sql.NullInt64
		if f.Base != nil {
			baseSnap, baseSeq = sql.NullInt64{Int64: f.Base.Snapshot, Valid: true}, sql.NullInt64{Int64: int64(f.Base.Seq), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE raw_files SET stem = ?, codec = ?, base_snapshot = ?, base_seq = ?, depth = ?, data = ? WHERE snapshot_id = ? AND seq = ?`,
			r.stem, f.Codec, baseSnap, baseSeq, f.Depth, f.Blob, r.ref.Snapshot, r.ref.Seq); err != nil {
			return fmt.Errorf("convert raw file %s of snapshot %d: %w", r.name, r.ref.Snapshot, err)
		}
		base = &RawBase{Ref: r.ref, Depth: f.Depth, SHA256: f.SHA256, Data: data}
	}
	return nil
}
