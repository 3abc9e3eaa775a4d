package screen

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
)

// File is a counterparty file as read: the parties of every good row, and
// one problem per bad row (a bad row does not stop the others).
type File struct {
	Path     string
	SHA256   string // of the bytes read, to notice a change
	Parties  []Party
	Problems []*RowError
}

// RowError is a row that could not be read.
type RowError struct {
	File   string
	Line   int
	Column int // 1-based; 0 when the whole row is wrong
	Msg    string
}

func (e *RowError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Columns are the CSV header names Load knows; any other column is kept
// as an Extra field. Multi-valued columns separate their values with ";".
var Columns = []string{"ref", "name", "kind", "birth_date", "country", "identifiers", "wallets", "aliases"}

// MaxFileBytes caps a counterparty file (100k rows are ~15 MB).
const MaxFileBytes = 256 << 20

// Load reads a counterparty file (CSV, or YAML by its extension).
func Load(ctx context.Context, path string) (*File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("counterparty file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("counterparty file %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("counterparty file %s: larger than %d bytes", path, MaxFileBytes)
	}
	return Parse(data, path)
}

// Parse reads a counterparty file's bytes; name is for messages, and its
// extension says the format: .yaml or .yml for YAML, anything else CSV.
func Parse(data []byte, name string) (*File, error) {
	sum := sha256.Sum256(data)
	out := &File{Path: name, SHA256: hex.EncodeToString(sum[:])}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return out, parseYAML(data, name, out)
	}
	return out, parseCSV(data, name, out)
}

// parseCSV reads a CSV file: a header naming the columns, one party a row.
func parseCSV(data []byte, name string, out *File) error {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("counterparty file %s: header: %w", name, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"ref", "name"} {
		if _, ok := cols[need]; !ok {
			return fmt.Errorf("counterparty file %s:1: no %q column (columns: %s)", name, need, strings.Join(Columns, ", "))
		}
	}
	refs := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				out.Problems = append(out.Problems, &RowError{File: name, Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error()})
				continue
			}
			return fmt.Errorf("counterparty file %s: %w", name, err)
		}
		out.add(csvRow(rec, header, line), name, refs)
	}
	return nil
}

// add reads one row into a party, or a problem: a bad row, or a ref
// already used.
func (out *File) add(r row, name string, refs map[string]int) {
	p, rowErr := partyFromRow(r, name)
	if rowErr != nil {
		out.Problems = append(out.Problems, rowErr)
		return
	}
	if first, dup := refs[p.Ref]; dup {
		f := r.fields["ref"]
		out.Problems = append(out.Problems, &RowError{File: name, Line: f.line, Column: f.col,
			Msg: fmt.Sprintf("ref %q already on line %d", p.Ref, first)})
		return
	}
	refs[p.Ref] = p.Line
	out.Parties = append(out.Parties, p)
}

// row is one party as a file gives it, whatever the format: each field's
// values and where it is.
type row struct {
	line, col int              // where the row starts
	fields    map[string]field // by lower-case column name
	extra     []Field          // the other columns, in file order
}

type field struct {
	values    []string // one for a single-valued column
	line, col int
}

func (f field) value() string { return strings.TrimSpace(strings.Join(f.values, ";")) }

// csvRow is a CSV record as a row.
func csvRow(rec, header []string, line int) row {
	r := row{line: line, fields: map[string]field{}}
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i >= len(rec) {
			break
		}
		if !known[strings.ToLower(h)] {
			if v := strings.TrimSpace(rec[i]); v != "" {
				r.extra = append(r.extra, Field{Name: h, Value: v})
			}
			continue
		}
		r.fields[strings.ToLower(h)] = field{values: []string{rec[i]}, line: line, col: i + 1}
	}
	return r
}

var isoDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// ParseKind reads a party's kind as a file or a flag gives it: "" when
// not given.
func ParseKind(s string) (tracker.Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "person", "individual":
		return tracker.KindPerson, nil
	case "organisation", "organization", "entity", "company":
		return tracker.KindEntity, nil
	case "vessel":
		return tracker.KindVessel, nil
	}
	return "", fmt.Errorf("kind %q: want person, organisation or vessel", s)
}

// ValidDate accepts a full or partial ISO date that exists: YYYY,
// YYYY-MM or YYYY-MM-DD.
func ValidDate(s string) bool {
	if !isoDate.MatchString(s) {
		return false
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

func partyFromRow(r row, name string) (Party, *RowError) {
	get := func(col string) (string, field) {
		f, ok := r.fields[col]
		if !ok {
			return "", field{line: r.line}
		}
		return f.value(), f
	}
	fail := func(f field, format string, args ...any) *RowError {
		return &RowError{File: name, Line: f.line, Column: f.col, Msg: fmt.Sprintf(format, args...)}
	}
	p := Party{Line: r.line, Extra: r.extra}
	var f field
	if p.Ref, f = get("ref"); p.Ref == "" {
		return p, fail(f, "empty ref")
	}
	if p.Name, f = get("name"); p.Name == "" {
		return p, fail(f, "empty name")
	}
	kind, f := get("kind")
	var err error
	if p.Kind, err = ParseKind(kind); err != nil {
		return p, fail(f, "%v", err)
	}
	if p.BirthDate, f = get("birth_date"); p.BirthDate != "" && !ValidDate(p.BirthDate) {
		return p, fail(f, "birth_date %q: want YYYY, YYYY-MM or YYYY-MM-DD", p.BirthDate)
	}
	p.Country, _ = get("country")
	p.Identifiers = splitValues(r.fields["identifiers"].values)
	p.Wallets = splitValues(r.fields["wallets"].values)
	p.Aliases = splitValues(r.fields["aliases"].values)
	return p, nil
}

// splitValues splits a multi-valued column's values at ";".
func splitValues(vs []string) []string {
	var out []string
	for _, s := range vs {
		for _, v := range strings.Split(s, ";") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
