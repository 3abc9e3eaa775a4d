// Package termtext makes text from sanctions lists and publishers' servers
// safe to print on a terminal. A list is outside data: a name holding ESC
// [31m or an OSC title sequence would otherwise recolour or retitle the
// terminal of whoever runs `tracker diff`, and a bidirectional override
// would make a line read differently from what it says. Every such
// character is shown as a visible escape instead (\u001b, \u202e), so
// nothing is hidden and nothing is lost.
package termtext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// unsafe reports whether r must not reach a terminal as itself: C0
// controls but tab and line feed, DEL, C1 controls (0x9B is CSI on its
// own), and the bidirectional embeddings, overrides and isolates.
func unsafe(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// escape writes r as \uXXXX: readable in text, and a valid escape inside
// a JSON string, so that JSON output passes through unharmed (encoding/json
// escapes C0 itself but writes C1 and bidi characters raw).
func escape(b *strings.Builder, r rune) {
	fmt.Fprintf(b, `\u%04x`, r)
}

// Clean returns s with every unsafe character escaped, and invalid UTF-8
// bytes as \xNN.
func Clean(s string) string {
	clean := true
	for _, r := range s {
		if unsafe(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafe(r):
			escape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Writer cleans everything written through it. A character split across
// two writes is held until the rest arrives.
type Writer struct {
	w       io.Writer
	pending []byte
}

// NewWriter returns a Writer printing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (t *Writer) Write(p []byte) (int, error) {
	data := append(t.pending, p...)
	t.pending = nil
	// Hold back an incomplete character at the end.
	cut := len(data)
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				cut = i
			}
			break
		}
	}
	t.pending = append([]byte(nil), data[cut:]...)
	if _, err := io.WriteString(t.w, Clean(string(data[:cut]))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap returns the writer printed to, so that callers can tell whether it
// is a terminal.
func (t *Writer) Unwrap() io.Writer { return t.w }

// Flush writes what is held back, cleaned.
func (t *Writer) Flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	_, err := io.WriteString(t.w, Clean(string(t.pending)))
	t.pending = nil
	return err
}
