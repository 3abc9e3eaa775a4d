package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/klauspost/compress/zstd"
)

// TestLineDeltaRoundTrip stores versions against a base as the import does
// and reads them back: changes by lines become line deltas, anything else
// zstd against the base; both give back the very bytes.
func TestLineDeltaRoundTrip(t *testing.T) {
	rows := func(n int, eol string) []string {
		var out []string
		for i := range n {
			out = append(out, strings.Repeat("x", i%7)+"entry "+strings.Repeat("field,", 5)+string(rune('a'+i%26))+eol)
		}
		return out
	}
	join := func(parts ...[]string) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, strings.Join(p, "")...)
		}
		return b
	}
	base := rows(400, "\n")
	crlf := rows(400, "\r\n")
	noise := make([]byte, 16000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name       string
		base, data []byte
		codec      string
	}{
		{"one line changed in the middle", join(base), join(base[:200], []string{"entry changed\n"}, base[201:]), CodecLines},
		{"lines added at the end without a last newline", join(base), join(base, []string{"new entry one\n", "new entry two"}), CodecLines},
		{"CRLF lines, one removed", join(crlf), join(crlf[:10], crlf[11:]), CodecLines},
		{"a block moved up", join(base), join(base[300:350], base[:300], base[350:]), CodecLines},
		{"repeated and blank lines", join(base, []string{"\n", "\n", "same line again and again\n", "same line again and again\n"}),
			join([]string{"same line again and again\n", "\n"}, base, []string{"\n", "\n"}), CodecLines},
		{"identical", join(base), join(base), CodecLines},
		{"emptied", join(base), []byte{}, CodecLines},
		{"from an empty base", []byte{}, join(base), CodecZstd},
		// Bytes with a '\n' here and there still make lines: what matters
		// is how much is new.
		{"binary with a piece cut out", noise[:8000], append(bytes.Clone(noise[:4000]), noise[4100:8000]...), CodecLines},
		{"binary, all new", noise[:8000], noise[8000:], CodecZstd},
		{"rewritten", join(base), join(crlf), CodecZstd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := CompressRawAgainst("sdn.csv", tt.data, &RawBase{Ref: RawRef{1, 0}, Data: tt.base})
			if err != nil {
				t.Fatal(err)
			}
			if f.Codec != tt.codec || f.Base == nil || f.Depth != 1 {
				t.Errorf("codec %s, base %v, depth %d; want a delta, codec %s", f.Codec, f.Base, f.Depth, tt.codec)
			}
			got, err := decodeRaw(f, tt.base)
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Errorf("read back %d bytes, %v; want the %d stored", len(got), err, len(tt.data))
			}
			if f.Codec == CodecLines && len(tt.data) > 1000 && len(f.Blob)*10 > len(tt.data) {
				t.Errorf("line delta of %d bytes for %d: want a small fraction", len(f.Blob), len(tt.data))
			}
		})
	}
}

// TestLineDeltaRefusesDamage reads damaged line deltas: each is an error
// naming what is wrong, never a panic or a file of another length.
func TestLineDeltaRefusesDamage(t *testing.T) {
	base := []byte("first line\nsecond line\n")
	cp := func(n, delta int) []byte {
		return binary.AppendVarint(binary.AppendUvarint(nil, uint64(n)<<1), int64(delta))
	}
	ins := func(s string) []byte { return append(binary.AppendUvarint(nil, uint64(len(s))<<1|1), s...) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name   string
		script []byte
		size   int64
		want   string
	}{
		{"copy past the base's end", cp(10, 20), 10, "outside the base"},
		{"copy from before the base", cp(5, -1), 5, "outside the base"},
		{"copy after a copy, from before the base", cat(cp(5, 0), cp(5, -6)), 10, "outside the base"},
		{"insert cut short", ins("abc")[:3], 3, "cut short"},
		{"more than the file's size", cat(cp(11, 0), ins("x")), 11, "more than the file"},
		{"less than the file's size", cp(5, 0), 6, "want 6"},
		{"unreadable operation", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 5, "unreadable"},
		{"copy without its offset", binary.AppendUvarint(nil, 4<<1), 4, "unreadable copy"},
		{"a huge count", cat(binary.AppendUvarint(nil, 1<<62|1), []byte("x")), 1, "more than the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyLineScript(base, tt.script, tt.size)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("applyLineScript = %q, %v; want an error with %q", got, err, tt.want)
			}
		})
	}
	good := cat(cp(11, 0), ins("changed\n"))
	if got, err := applyLineScript(base, good, 19); err != nil || string(got) != "first line\nchanged\n" {
		t.Fatalf("sound script gives %q, %v", got, err)
	}

	// The stored form: zstd around the script.
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	blob := enc.EncodeAll(good, nil)
	bomb := enc.EncodeAll(make([]byte, 4<<20), nil)
	enc.Close()
	damaged := bytes.Clone(blob)
	damaged[len(damaged)-1] ^= 0xff
	for _, tc := range []struct {
		name       string
		blob, base []byte
		want       string
	}{
		{"checksum broken", damaged, base, "CRC"},
		{"not zstd", []byte("plain text"), base, "magic"},
		{"no base", blob, nil, "without its base"},
		{"a script far larger than the file", bomb, base, "exceeds"},
	} {
		got, err := decodeLineDelta(tc.blob, tc.base, 19)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: decodeLineDelta = %q, %v; want an error with %q", tc.name, got, err, tc.want)
		}
	}
}

// TestMigrateToLineDeltas opens a database written before line deltas, its
// raw files a zstd chain, and checks that the rebuilt table keeps every
// row readable and takes the next version as a line delta of the last.
func TestMigrateToLineDeltas(t *testing.T) {
	ctx := context.Background()
	names, data := sdnVersions(t)
	names, data = names[:4], data[:4]
	path := filepath.Join(t.TempDir(), "before.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := tracker.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, "'lines'") })
	for i, m := range migrations[:before] {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d; PRAGMA application_id = %d`, before, ApplicationID)); err != nil {
		t.Fatal(err)
	}
	var prev []byte
	for i := range names {
		id := int64(i + 1)
		if _, err := db.Exec(`INSERT INTO snapshots (id, list, fetched_at, source, raw_sha256, content_sha256, entity_count) VALUES (?, 'ofac-sdn', '2024-01-01T00:00:00Z', 'test', ?, ?, 1)`,
			id, fmt.Sprint(i), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		// As the tracker wrote them then: zstd, each against the one before.
		blob, err := zstdEncode(data[i], prev)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := CompressRaw(names[i], data[i]) // for its size and sha256
		var baseSnap, baseSeq any
		if i > 0 {
			baseSnap, baseSeq = id-1, 0
		}
		if _, err := db.Exec(`INSERT INTO raw_files (snapshot_id, seq, name, size, sha256, stem, codec, base_snapshot, base_seq, depth, data) VALUES (?, 0, ?, ?, ?, 'sdn.csv', 'zstd', ?, ?, ?, ?)`,
			id, names[i], f.Size, f.SHA256, baseSnap, baseSeq, i, blob); err != nil {
			t.Fatal(err)
		}
		prev = data[i]
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range names {
		raw, err := s.RawFiles(ctx, int64(i+1))
		if err != nil || len(raw) != 1 {
			t.Fatalf("snapshot %d: %d files, %v", i+1, len(raw), err)
		}
		if got, err := raw[0].Data(); err != nil || !bytes.Equal(got, data[i]) {
			t.Errorf("%s after the migration: %d bytes, %v; want the %d published", names[i], len(got), err, len(data[i]))
		}
	}
	if found, err := s.VerifyRaw(ctx); err != nil || len(found) != 0 {
		t.Errorf("VerifyRaw after the migration = %v, %v", found, err)
	}
	next, nextData := sdnVersions(t)
	res := saveRaw(t, s, "ofac-sdn", 40, -1, map[string][]byte{"sdn.csv": nextData[4]}, "sdn.csv")
	if info := rawInfo(t, s, res.Snapshot.ID, 0); info.codec != CodecLines || info.depth != 4 {
		t.Errorf("%s after the migration: %+v; want a line delta at depth 4", next[4], info)
	}
}
