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
	"math/bits"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// RawFullEvery is how often a version of a raw file is stored
// self-contained rather than as a delta against the version before it. A
// read decodes at most RawFullEvery-1 deltas after the self-contained one;
// on OFAC's 4 MB sdn.csv a delta decodes in 1.5-3 ms, so the worst read
// costs about 0.1-0.2 s. A self-contained version costs as much as about 300
// deltas (450 KB against 1.5 KB on that file's 308-version history), so 64
// keeps the whole history at 2.6 MB where 16 would take 9.4 MB.
const RawFullEvery = 64

// Codecs of the raw_files.codec column.
const (
	CodecZstd  = "zstd"  // zstd, with the base version as raw dictionary when there is one
	CodecLines = "lines" // a line delta against the base version, zstd-compressed (rawdelta.go)
	CodecGzip  = "gzip"  // rows stored before migration 7; re-encoded by Open
)

// rawDictID names the base in a delta's zstd frame header. There is only
// ever one dictionary per frame, so any fixed non-zero id does.
const rawDictID = 1

// RawRef names a stored raw file.
type RawRef struct {
	Snapshot int64
	Seq      int
}

// RawFile is one published file of a snapshot, compressed for storage.
type RawFile struct {
	Name   string
	Size   int64  // uncompressed bytes
	SHA256 string // of the uncompressed bytes, hex
	Codec  string // CodecZstd or CodecGzip
	// Base is the stored version Blob is a delta against (its raw
	// dictionary); nil when Blob is self-contained.
	Base  *RawRef
	Depth int    // deltas between this file and a self-contained one
	Blob  []byte // nil when retention pruned the data

	// plain is the uncompressed content when it is known and checked: just
	// compressed, or read back through Store.RawFiles.
	plain    []byte
	resolved bool
	// err is why Store.RawFiles could not read the file back.
	err error
}

// Pruned reports whether retention dropped the file's data.
func (f RawFile) Pruned() bool { return f.Blob == nil }

// RawBase is the stored version of a file that a new version is compressed
// against.
type RawBase struct {
	Ref    RawRef
	Depth  int
	SHA256 string
	Data   []byte
}

// CompressRaw prepares a published file for storage as a self-contained
// zstd frame.
func CompressRaw(name string, data []byte) (RawFile, error) {
	return CompressRawAgainst(name, data, nil)
}

// CompressRawAgainst prepares a published file for storage as a delta
// against base, the list's previous version of the same file (Store.RawBase),
// or self-contained when base is nil. A file that changed by whole lines is
// stored as a line delta (CodecLines), any other as zstd with the base as
// raw dictionary. What was written is decompressed and compared with data
// before it is returned, so a fault of the codec is caught while the
// published bytes are still at hand.
func CompressRawAgainst(name string, data []byte, base *RawBase) (RawFile, error) {
	return CompressRawSummed(name, data, sha256.Sum256(data), base)
}

// CompressRawSummed is CompressRawAgainst for a caller that already has
// the file's sha256, sum.
func CompressRawSummed(name string, data []byte, sum [sha256.Size]byte, base *RawBase) (RawFile, error) {
	f := RawFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Codec: CodecZstd, plain: data, resolved: true}
	var dict []byte
	if base != nil {
		f.Base, f.Depth, dict = &RawRef{base.Ref.Snapshot, base.Ref.Seq}, base.Depth+1, base.Data
		blob, err := encodeLineDelta(dict, data) // checked against data
		if err != nil {
			return RawFile{}, fmt.Errorf("compress %s: %w", name, err)
		}
		if blob != nil {
			f.Codec, f.Blob = CodecLines, blob
			return f, nil
		}
	}
	blob, err := zstdEncode(data, dict)
	if err != nil {
		return RawFile{}, fmt.Errorf("compress %s: %w", name, err)
	}
	back, err := zstdDecode(blob, dict, f.Size)
	if err != nil || !bytes.Equal(back, data) {
		return RawFile{}, fmt.Errorf("compress %s: the compressed copy does not give the file back (%v)", name, err)
	}
	f.Blob = blob
	return f, nil
}

// zstdEncode compresses data, with dict as raw dictionary when it is not
// nil. Against a dictionary, SpeedBetterCompression: on sdn.csv it takes
// deltas from 1.3 KB (SpeedDefault) to 0.8 KB for a few ms more;
// SpeedFastest finds almost nothing in the dictionary. A self-contained
// version (a list's first, then one in RawFullEvery) takes SpeedDefault:
// sdn.csv 2024-05-03 in 19 ms instead of 35 (a tenth of a first import)
// for 618 KB instead of 567 (651 KB with fullWindow): the 308-version
// history's 5 full versions grow its database by 1.5%. Lower
// encoder memory gives the same bytes with 8 MB less allocated, which the
// import's peak RSS feels. An encoder per call: a kept one would hold its
// tables for the life of a daemon.
func zstdEncode(data, dict []byte) ([]byte, error) {
	// The window must reach back across the whole dictionary: a line that
	// did not change lies about len(dict) bytes behind its new place. No
	// more than that either: the encoder's memory grows with the window.
	// A self-contained version finds nearly all its matches within
	// fullWindow: sdn.csv 2024-05-03 in 651 KB with it, 643 KB with a 4 MB
	// window, for 3.4 MB allocated instead of 7.1, which, compressed
	// beside the snapshot's writes, the import's peak RSS feels.
	window := windowFor(len(dict))
	if dict == nil {
		window = min(windowFor(len(data)), fullWindow)
	}
	level := zstd.SpeedDefault
	if dict != nil {
		level = zstd.SpeedBetterCompression
	}
	opts := []zstd.EOption{zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(window)}
	if dict != nil {
		opts = append(opts, zstd.WithEncoderDictRaw(rawDictID, dict))
	}
	enc, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	// A self-contained sdn.csv compresses to about a seventh; a delta to a
	// few KB. Room for that up front spares the output's regrowth.
	room := 4096
	if dict == nil {
		room = len(data)/6 + 4096
	}
	return enc.EncodeAll(data, make([]byte, 0, room)), nil
}

// fullWindow is the largest window of a self-contained version.
const fullWindow = 512 << 10

// windowFor is the smallest zstd window that covers n bytes: the next
// power of two above n.
func windowFor(n int) int {
	return min(max(zstd.MinWindowSize, 1<<bits.Len(uint(n))), zstd.MaxWindowSize)
}

// zstdDecode decompresses blob, which holds size bytes, with dict as raw
// dictionary when it is not nil.
func zstdDecode(blob, dict []byte, size int64) ([]byte, error) {
	opts := []zstd.DOption{zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(uint64(max(windowFor(max(len(dict), int(size)))*2, 8<<20)))}
	if dict != nil {
		opts = append(opts, zstd.WithDecoderDictRaw(rawDictID, dict))
	}
	dec, err := zstd.NewReader(nil, opts...)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return dec.DecodeAll(blob, make([]byte, 0, size))
}

// decodeRaw decompresses one stored row given its base's content, and
// checks the result against the recorded size and sha256, so that what
// comes back is byte for byte what was published.
func decodeRaw(f RawFile, base []byte) ([]byte, error) {
	data, err := decodeBlob(f.Codec, f.Blob, base, f.Size)
	if err != nil {
		return nil, fmt.Errorf("damaged, does not decompress: %w", err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); int64(len(data)) != f.Size || got != f.SHA256 {
		return nil, fmt.Errorf("stored copy is damaged: %d bytes with sha256 %s, recorded %d bytes with sha256 %s",
			len(data), got, f.Size, f.SHA256)
	}
	return data, nil
}

// decodeBlob decompresses a stored blob of the given codec, which holds
// size bytes, given its base's content (nil for a self-contained one).
func decodeBlob(codec string, blob, base []byte, size int64) ([]byte, error) {
	switch codec {
	case CodecZstd:
		return zstdDecode(blob, base, size)
	case CodecLines:
		return decodeLineDelta(blob, base, size)
	case CodecGzip:
		return gunzip(blob, size)
	}
	return nil, fmt.Errorf("unknown codec %q", codec)
}

func gunzip(blob []byte, size int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, size+1))
}

// Data returns the file's published bytes. A file read through
// Store.RawFiles comes with them, checked against its recorded sha256 (or
// with the reason they could not be read, naming the snapshots a damaged
// base affects); a self-contained one is decompressed and checked here.
func (f RawFile) Data() ([]byte, error) {
	switch {
	case f.err != nil:
		return nil, f.err
	case f.resolved:
		return f.plain, nil
	case f.Pruned():
		return nil, fmt.Errorf("raw file %s: pruned by retention (raw_retention)", f.Name)
	case f.Base != nil:
		return nil, fmt.Errorf("raw file %s: a delta against snapshot %d's file %d, readable only through Store.RawFiles", f.Name, f.Base.Snapshot, f.Base.Seq)
	}
	data, err := decodeRaw(f, nil)
	if err != nil {
		return nil, fmt.Errorf("raw file %s: %w", f.Name, err)
	}
	return data, nil
}

// datePrefix is a leading date on a file's name, as an operator's copies of
// a list are often named (2024-05-03.sdn.csv, 20240503_sdn.csv).
var datePrefix = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}|\d{8})[._ -]+`)

// rawStem is what makes two files of a list's publications the same file,
// whose versions are stored as deltas of each other: the base name in
// lower case without a leading date. Matching by name rather than by place
// (seq) keeps a publication that adds or drops a file from pairing
// unrelated files; a wrong pair would cost only space, never bytes.
func rawStem(name string) string {
	stem := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if s := datePrefix.ReplaceAllString(stem, ""); s != "" {
		stem = s
	}
	return stem
}

// RawBase returns the stored version that a new version of a list's file
// named name, at place seq of its publication, is to be compressed against:
// the list's latest stored version of the same stem whose data is kept. It
// returns nil when there is none, or when the new version is due to be
// self-contained (RawFullEvery).
func (s *Store) RawBase(ctx context.Context, list string, seq int, name string) (*RawBase, error) {
	stem := rawStem(name)
	var ref RawRef
	var depth int
	var sum string
	err := s.r.QueryRowContext(ctx, `SELECT r.snapshot_id, r.seq, r.depth, r.sha256 FROM raw_files r JOIN snapshots s ON s.id = r.snapshot_id
		WHERE r.stem = ? AND s.list = ? AND r.data IS NOT NULL
		ORDER BY r.snapshot_id DESC, r.seq = ? DESC, r.seq LIMIT 1`, stem, list, seq).Scan(&ref.Snapshot, &ref.Seq, &depth, &sum)
	if errors.Is(err, sql.ErrNoRows) || err == nil && depth+1 >= RawFullEvery {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("base of raw file %s of %s: %w", name, list, err)
	}
	if b := s.lastRaw.get(ref, sum); b != nil {
		return b, nil
	}
	data, err := rawContent(ctx, s.r, ref)
	if err != nil {
		// The new version is stored self-contained: a damaged base must
		// not spread, and VerifyRaw and export-raw report it.
		return nil, nil //nolint:nilerr // reported where it is read
	}
	return &RawBase{Ref: ref, Depth: depth, SHA256: sum, Data: data}, nil
}

// rawCache holds the raw files of the last snapshot this Store wrote, the
// bases of that list's next publication: a replay or a daemon that stores a
// list twice running then never decodes a chain to find its base. Only one
// publication's files are held, so memory stays bounded by one publication.
type rawCache struct {
	mu    sync.Mutex
	bases []RawBase
}

func (c *rawCache) get(ref RawRef, sum string) *RawBase {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.bases {
		if b := c.bases[i]; b.Ref == ref && b.SHA256 == sum {
			return &b
		}
	}
	return nil
}

func (c *rawCache) set(snapshot int64, files []RawFile) {
	var bases []RawBase
	for i, f := range files {
		if f.resolved && f.Blob != nil {
			bases = append(bases, RawBase{Ref: RawRef{snapshot, i}, Depth: f.Depth, SHA256: f.SHA256, Data: f.plain})
		}
	}
	c.mu.Lock()
	c.bases = bases
	c.mu.Unlock()
}

// insertRawFiles stores a snapshot's raw files. A delta whose base is no
// longer stored as it was when the file was compressed (another process
// pruned it meanwhile) is compressed again self-contained.
func insertRawFiles(ctx context.Context, tx *sql.Tx, snapshot int64, files []RawFile) error {
	for i, f := range files {
		if f.Base != nil {
			var depth int
			var sum string
			err := tx.QueryRowContext(ctx, `SELECT depth, sha256 FROM raw_files WHERE snapshot_id = ? AND seq = ? AND data IS NOT NULL`,
				f.Base.Snapshot, f.Base.Seq).Scan(&depth, &sum)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store raw file %s: base: %w", f.Name, err)
			}
			if err != nil || depth != f.Depth-1 {
				if !f.resolved {
					return fmt.Errorf("store raw file %s: its base (snapshot %d, file %d) is gone", f.Name, f.Base.Snapshot, f.Base.Seq)
				}
				if f, err = CompressRaw(f.Name, f.plain); err != nil {
					return err
				}
				files[i] = f
			}
		}
		var baseSnap, baseSeq sql.NullInt64
		if f.Base != nil {
			baseSnap, baseSeq = sql.NullInt64{Int64: f.Base.Snapshot, Valid: true}, sql.NullInt64{Int64: int64(f.Base.Seq), Valid: true}
		}
		codec := f.Codec
		if codec == "" {
			codec = CodecZstd
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw_files (snapshot_id, seq, name, size, sha256, stem, codec, base_snapshot, base_seq, depth, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			snapshot, i, f.Name, f.Size, f.SHA256, rawStem(f.Name), codec, baseSnap, baseSeq, f.Depth, f.Blob); err != nil {
			return fmt.Errorf("store raw file %s: %w", f.Name, err)
		}
	}
	return nil
}

// pruneRawFiles drops the data of the raw files of a list's active
// snapshots beyond the newest keep; keep < 0 keeps everything. Quarantined
// snapshots keep theirs: accepting one re-reads them. A file that a kept
// file is a delta of (directly or down its chain) keeps its data too, so
// every kept file stays readable: that is at most RawFullEvery-1 versions
// more, mostly small deltas, where re-encoding the dependent self-contained
// would decompress and compress again on the import's path and store a
// full version (hundreds of KB) in their place.
func pruneRawFiles(ctx context.Context, tx *sql.Tx, list string, keep int) error {
	if keep < 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `WITH RECURSIVE
		doomed(id) AS (
			SELECT id FROM snapshots WHERE list = ? AND status = 'active' AND retracted_at = '' ORDER BY id DESC LIMIT -1 OFFSET ?),
		needed(snapshot_id, seq) AS (
			SELECT r.base_snapshot, r.base_seq FROM raw_files r JOIN snapshots s ON s.id = r.snapshot_id
				WHERE s.list = ? AND r.data IS NOT NULL AND r.base_snapshot IS NOT NULL AND r.snapshot_id NOT IN doomed
			UNION
			SELECT r.base_snapshot, r.base_seq FROM raw_files r JOIN needed n ON r.snapshot_id = n.snapshot_id AND r.seq = n.seq
				WHERE r.base_snapshot IS NOT NULL)
		UPDATE raw_files SET data = NULL
		WHERE data IS NOT NULL AND snapshot_id IN doomed
		  AND NOT EXISTS (SELECT 1 FROM needed n WHERE n.snapshot_id = raw_files.snapshot_id AND n.seq = raw_files.seq)`,
		list, keep, list)
	if err != nil {
		return fmt.Errorf("prune raw files of %s: %w", list, err)
	}
	return nil
}

// RawFiles returns the raw published files of a snapshot in publication
// order, each with its content read back and checked (RawFile.Data); a file
// whose data retention pruned has a nil Blob. A file that cannot be read
// back, because it or a base down its chain is missing or damaged, has that
// error in Data, naming every snapshot the damaged file affects.
func (s *Store) RawFiles(ctx context.Context, snapshot int64) ([]RawFile, error) {
	var out []RawFile
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT seq FROM raw_files WHERE snapshot_id = ? ORDER BY seq`, snapshot)
		if err != nil {
			return err
		}
		var seqs []int
		for rows.Next() {
			var seq int
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, seq := range seqs {
			f, err := rawRow(ctx, tx, RawRef{snapshot, seq})
			if err != nil {
				return err
			}
			if !f.Pruned() {
				f.plain, f.err = rawContent(ctx, tx, RawRef{snapshot, seq})
				f.resolved = f.err == nil
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("raw files of snapshot %d: %w", snapshot, err)
	}
	return out, nil
}

// RawBytes returns how many bytes the stored (compressed) raw files take,
// so that storage growth can be reported with and without them.
func (s *Store) RawBytes(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT sum(length(data)) FROM raw_files`).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("raw file bytes: %w", err)
	}
	return n.Int64, nil
}
