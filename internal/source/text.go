package source

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// checkUTF8 fails on the first byte of a text file that is not UTF-8, or
// that is a control character (see checkControls). The
// CSV reader would pass such a byte on into a name, to be stored as
// garbled text and announced as an amendment: a damaged file, or one in an
// encoding its publisher does not use, is refused instead. skip is how many
// bytes were cut from the file's start (a byte order mark), so that the
// offset is the file's own.
func CheckUTF8(file string, data []byte, skip int) error {
	if err := CheckControls(file, data, skip); err != nil {
		return err
	}
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
func LowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// checkControls fails on the first control character of a text file other
// than tab, line feed and carriage return: NUL and the other C0 controls,
// DEL, and the C1 controls U+0080–U+009F (as UTF-8). No publisher writes
// them in a list; in a name they are a damaged file, would be announced as
// an amendment, and ESC or CSI would drive the terminal of whoever reads
// the diff. Every byte is looked at, so the loop is kept to one compare in
// the common case.
func CheckControls(file string, data []byte, skip int) error {
	for i, c := range data {
		if c >= 0x20 && c != 0x7f && c != 0xc2 {
			continue
		}
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			continue
		case c == 0xc2 && (i+1 >= len(data) || data[i+1] < 0x80 || data[i+1] > 0x9f):
			continue
		}
		what := fmt.Sprintf("control character 0x%02X", c)
		if c == 0xc2 {
			what = fmt.Sprintf("C1 control character U+%04X", data[i+1])
		}
		line := bytes.Count(data[:i], []byte{'\n'}) + 1
		col := i - bytes.LastIndexByte(data[:i], '\n')
		return &ParseError{File: file, Pos: fmt.Sprintf("line %d col %d (offset %d)", line, col, skip+i),
			Err: fmt.Errorf("%s: a damaged file; no list has control characters in its text", what)}
	}
	return nil
}
