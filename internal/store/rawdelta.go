package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"

	"github.com/klauspost/compress/zstd"
)

// A line delta (CodecLines) rebuilds a new version of a file from its base
// with a script of two operations, which is then zstd-compressed on its own:
//
//	copy:   uvarint(2n),   varint(off - end of the copy before)  n bytes of the base from off
//	insert: uvarint(2n+1), then the n bytes
//
// Why not zstd with the base as raw dictionary (CodecZstd), which gives
// about the same size: the encoder hashes the whole dictionary into its
// tables for every version, 15-20 ms and 13-17 MB of tables for a 4 MB
// sdn.csv, the largest cost of storing a publication. Published lists
// change by whole lines, so matching lines finds the same copies: a hash of
// each base line, then one walk of the new version comparing each line
// with the base where the last copy ended, about a tenth of that time.

// lineDeltaMaxInsert is the share of a new version that may be new bytes
// for a line delta to be used: beyond it the file is not a list that
// changed by lines (a zip such as OFSI's xlsx), and zstd's own matching
// does better.
const lineDeltaMaxInsert = 4 // at most a quarter of the new version

// lineDeltaMinCopy is the shortest line worth a copy away from where the
// last copy ended: a copy's two varints cost about as much as a short
// line inserted, and inserted text compresses.
const lineDeltaMinCopy = 16

// lineDeltaSeed hashes lines within one process; the hashes are never
// stored.
var lineDeltaSeed = maphash.MakeSeed()

// lineScript returns the script that rebuilds data from base, and how many
// of its bytes were inserted rather than copied.
func lineScript(base, data []byte) (script []byte, inserted int) {
	// Where each distinct line of the base first starts, by its hash. A
	// line that recurs (a blank line) is found at its first place; a copy
	// that continues where the last one ended needs no look-up at all.
	at := make(map[uint64]int32, bytes.Count(base, []byte{'\n'})+1)
	for off := 0; off < len(base); {
		line := nextLine(base[off:])
		h := maphash.Bytes(lineDeltaSeed, line)
		if _, ok := at[h]; !ok {
			at[h] = int32(off)
		}
		off += len(line)
	}
	script = make([]byte, 0, 4096)
	var copyFrom, copyLen, end int // the copy being extended; end: where the last written copy ended
	var ins []byte                 // the insert being extended
	flushCopy := func() {
		if copyLen > 0 {
			script = binary.AppendUvarint(script, uint64(copyLen)<<1)
			script = binary.AppendVarint(script, int64(copyFrom-end))
			end, copyLen = copyFrom+copyLen, 0
		}
	}
	flushInsert := func() {
		if len(ins) > 0 {
			script = binary.AppendUvarint(script, uint64(len(ins))<<1|1)
			script = append(script, ins...)
			ins = nil
		}
	}
	for off := 0; off < len(data); {
		line := nextLine(data[off:])
		off += len(line)
		next := copyFrom + copyLen // where the base continues the current copy
		if copyLen > 0 && bytes.HasPrefix(base[next:], line) {
			copyLen += len(line)
			continue
		}
		from := -1
		if copyLen == 0 && bytes.HasPrefix(base[end:], line) {
			from = end
		} else if len(line) >= lineDeltaMinCopy {
			if o, ok := at[maphash.Bytes(lineDeltaSeed, line)]; ok && bytes.HasPrefix(base[o:], line) {
				from = int(o)
			}
		}
		if from < 0 {
			flushCopy()
			if len(ins) == 0 {
				ins = data[off-len(line) : off-len(line)]
			}
			ins = ins[:len(ins)+len(line)] // ins is a window of data
			inserted += len(line)
			continue
		}
		flushCopy()
		flushInsert()
		copyFrom, copyLen = from, len(line)
	}
	flushCopy()
	flushInsert()
	return script, inserted
}

// nextLine returns b's first line with its '\n', or all of b when it has
// none.
func nextLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	return b
}

// applyLineScript rebuilds a file of size bytes from its base and a line
// delta's script.
func applyLineScript(base, script []byte, size int64) ([]byte, error) {
	out := make([]byte, 0, size)
	err := walkLineScript(base, script, size, func(p []byte) bool {
		out = append(out, p...)
		return true
	})
	return out, err
}

// lineScriptGives reports whether script rebuilds data from base, without
// building a copy: the check of what was just written.
func lineScriptGives(base, script, data []byte) error {
	at := 0
	return walkLineScript(base, script, int64(len(data)), func(p []byte) bool {
		ok := bytes.Equal(p, data[at:at+len(p)])
		at += len(p)
		return ok
	})
}

// walkLineScript hands emit the pieces of the file a script rebuilds, in
// order, refusing any operation that reaches outside the base or past
// size; emit returns false to stop with a mismatch.
func walkLineScript(base, script []byte, size int64, emit func([]byte) bool) error {
	var done int64
	end := 0
	for len(script) > 0 {
		op, k := binary.Uvarint(script)
		if k <= 0 {
			return errors.New("line delta: unreadable operation")
		}
		script = script[k:]
		n := op >> 1
		if n > uint64(size-done) {
			return fmt.Errorf("line delta: %d bytes more than the file's %d", n, size)
		}
		var piece []byte
		if op&1 == 1 {
			if n > uint64(len(script)) {
				return errors.New("line delta: insert cut short")
			}
			piece, script = script[:n], script[n:]
		} else {
			d, k := binary.Varint(script)
			if k <= 0 {
				return errors.New("line delta: unreadable copy")
			}
			script = script[k:]
			from := int64(end) + d
			if from < 0 || from > int64(len(base)) || n > uint64(int64(len(base))-from) {
				return fmt.Errorf("line delta: copy of %d bytes from %d, outside the base's %d", n, from, len(base))
			}
			piece = base[from : from+int64(n)]
			end = int(from) + int(n)
		}
		if !emit(piece) {
			return errors.New("line delta: gives other bytes")
		}
		done += int64(n)
	}
	if done != size {
		return fmt.Errorf("line delta: %d bytes, want %d", done, size)
	}
	return nil
}

// encodeLineDelta returns the stored form of a line delta of data against
// base, or nil when data did not change by lines (lineDeltaMaxInsert). The
// stored form is read back and checked against data before it is returned.
func encodeLineDelta(base, data []byte) ([]byte, error) {
	script, inserted := lineScript(base, data)
	if inserted*lineDeltaMaxInsert > len(data) {
		return nil, nil
	}
	// A script is compressed as a self-contained raw version is
	// (SpeedDefault, a window of its own length).
	blob, err := zstdEncode(script, nil)
	if err != nil {
		return nil, err
	}
	back, err := inflateScript(blob, int64(len(data)))
	if err == nil {
		err = lineScriptGives(base, back, data)
	}
	if err != nil {
		return nil, fmt.Errorf("the line delta does not give the file back: %w", err)
	}
	return blob, nil
}

// decodeLineDelta rebuilds a file of size bytes from its base and a stored
// line delta.
func decodeLineDelta(blob, base []byte, size int64) ([]byte, error) {
	if base == nil {
		return nil, errors.New("line delta without its base")
	}
	script, err := inflateScript(blob, size)
	if err != nil {
		return nil, err
	}
	return applyLineScript(base, script, size)
}

// inflateScript decompresses a line delta's script for a file of size
// bytes.
func inflateScript(blob []byte, size int64) ([]byte, error) {
	// A script holds at most the file's bytes plus a few per line: a
	// bigger one is damage, refused before it is inflated.
	limit := uint64(2*size + 1<<16)
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(limit),
		zstd.WithDecoderMaxWindow(uint64(max(windowFor(int(limit)), zstd.MinWindowSize))))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return dec.DecodeAll(blob, nil)
}
