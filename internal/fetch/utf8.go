package fetch

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// checkUTF8 fails on the first byte of a text file that is not UTF-8. The
// CSV reader would pass such a byte on into a name, to be stored as
// garbled text and announced as an amendment: a damaged file, or one in an
// encoding its publisher does not use, is refused instead. skip is how many
// bytes were cut from the file's start (a byte order mark), so that the
// offset is the file's own.
func checkUTF8(file string, data []byte, skip int) error {
	if utf8.Valid(data) {
		return nil
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	line := bytes.Count(data[:off], []byte{'\n'}) + 1
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return &ParseError{File: file, Pos: fmt.Sprintf("line %d col %d (offset %d)", line, col, skip+off),
		Err: fmt.Errorf("invalid UTF-8 (byte 0x%02X): a damaged file, or not in the UTF-8 its publisher uses", data[off])}
}

// lowerASCII lower-cases ASCII letters only, byte for byte, so that an
// offset in its result is the same offset in b. bytes.ToLower does not
// keep offsets: it turns each invalid byte into U+FFFD (three bytes) and
// some letters into ones of another length (the Kelvin sign into "k").
func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
