// Package csvsafe writes CSV that a spreadsheet opens as data: a cell it
// would run as a formula (=, +, -, @, tab or CR first) is prefixed with a
// quote. List and counterparty text is data, never code, in this medium
// too (OWASP's "CSV injection").
package csvsafe

import (
	"encoding/csv"
	"io"
	"strings"
)

// Cell returns s as a spreadsheet shows it without running it.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer whose every cell goes through Cell.
type Writer struct{ w *csv.Writer }

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one row.
func (w *Writer) Write(cells ...string) error {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Cell(c)
	}
	return w.w.Write(out)
}

// Flush writes what is buffered and returns the first error of any Write
// or of the flush.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}
