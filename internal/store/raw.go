package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// RawFile is one published file of a snapshot, compressed for storage.
type RawFile struct {
	Name   string
	Size   int64  // uncompressed bytes
	SHA256 string // of the uncompressed bytes, hex
	Gzip   []byte // nil when retention pruned the data
}

// Pruned reports whether retention dropped the file's data.
func (f RawFile) Pruned() bool { return f.Gzip == nil }

// CompressRaw prepares a published file for storage. It favours speed over
// ratio (gzip.BestSpeed still shrinks list files four- to eightfold)
// because it sits on the import's path.
func CompressRaw(name string, data []byte) (RawFile, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) / 4)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return RawFile{}, err
	}
	if _, err := zw.Write(data); err != nil {
		return RawFile{}, fmt.Errorf("compress %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return RawFile{}, fmt.Errorf("compress %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	return RawFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Gzip: buf.Bytes()}, nil
}

// Data decompresses the file and checks it against its recorded size and
// sha256, so that what comes back is byte for byte what was published.
func (f RawFile) Data() ([]byte, error) {
	if f.Pruned() {
		return nil, fmt.Errorf("raw file %s: pruned by retention (raw_retention)", f.Name)
	}
	zr, err := gzip.NewReader(bytes.NewReader(f.Gzip))
	if err != nil {
		return nil, fmt.Errorf("raw file %s: %w", f.Name, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, f.Size+1))
	if err != nil {
		return nil, fmt.Errorf("raw file %s: decompress: %w", f.Name, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); int64(len(data)) != f.Size || got != f.SHA256 {
		return nil, fmt.Errorf("raw file %s: stored copy is damaged: %d bytes with sha256 %s, recorded %d bytes with sha256 %s",
			f.Name, len(data), got, f.Size, f.SHA256)
	}
	return data, nil
}

func insertRawFiles(ctx context.Context, tx *sql.Tx, snapshot int64, files []RawFile) error {
	for i, f := range files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw_files (snapshot_id, seq, name, size, sha256, gz) VALUES (?, ?, ?, ?, ?, ?)`,
			snapshot, i, f.Name, f.Size, f.SHA256, f.Gzip); err != nil {
			return fmt.Errorf("store raw file %s: %w", f.Name, err)
		}
	}
	return nil
}

// pruneRawFiles drops the data of the raw files of a list's active
// snapshots beyond the newest keep; keep < 0 keeps everything. Quarantined
// snapshots keep theirs: accepting one re-reads them.
func pruneRawFiles(ctx context.Context, tx *sql.Tx, list string, keep int) error {
	if keep < 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE raw_files SET gz = NULL
		WHERE gz IS NOT NULL AND snapshot_id IN (
			SELECT id FROM snapshots WHERE list = ? AND status = 'active' AND retracted_at = '' ORDER BY id DESC LIMIT -1 OFFSET ?)`,
		list, keep)
	if err != nil {
		return fmt.Errorf("prune raw files of %s: %w", list, err)
	}
	return nil
}

// RawFiles returns the raw published files of a snapshot in publication
// order; a file whose data retention pruned has a nil Gzip.
func (s *Store) RawFiles(ctx context.Context, snapshot int64) ([]RawFile, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, size, sha256, gz FROM raw_files WHERE snapshot_id = ? ORDER BY seq`, snapshot)
	if err != nil {
		return nil, fmt.Errorf("raw files of snapshot %d: %w", snapshot, err)
	}
	defer rows.Close()
	var out []RawFile
	for rows.Next() {
		var f RawFile
		if err := rows.Scan(&f.Name, &f.Size, &f.SHA256, &f.Gzip); err != nil {
			return nil, fmt.Errorf("raw files of snapshot %d: %w", snapshot, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RawBytes returns how many bytes the stored (compressed) raw files take,
// so that storage growth can be reported with and without them.
func (s *Store) RawBytes(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT sum(length(gz)) FROM raw_files`).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("raw file bytes: %w", err)
	}
	return n.Int64, nil
}
