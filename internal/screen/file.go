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

// Load reads a counterparty file (CSV).
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

// Parse reads a counterparty file's bytes; name is for messages.
func Parse(data []byte, name string) (*File, error) {
	sum := sha256.Sum256(data)
	out := &File{Path: name, SHA256: hex.EncodeToString(sum[:])}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("counterparty file %s: header: %w", name, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"ref", "name"} {
		if _, ok := cols[need]; !ok {
			return nil, fmt.Errorf("counterparty file %s:1: no %q column (columns: %s)", name, need, strings.Join(Columns, ", "))
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
			return nil, fmt.Errorf("counterparty file %s: %w", name, err)
		}
		p, rowErr := partyFromRow(rec, header, cols, name, line)
		if rowErr != nil {
			out.Problems = append(out.Problems, rowErr)
			continue
		}
		if first, dup := refs[p.Ref]; dup {
			out.Problems = append(out.Problems, &RowError{File: name, Line: line, Column: cols["ref"] + 1,
				Msg: fmt.Sprintf("ref %q already on line %d", p.Ref, first)})
			continue
		}
		refs[p.Ref] = line
		out.Parties = append(out.Parties, p)
	}
	return out, nil
}

var isoDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// validDate accepts a full or partial ISO date that exists.
func validDate(s string) bool {
	if !isoDate.MatchString(s) {
		return false
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

func partyFromRow(rec, header []string, cols map[string]int, name string, line int) (Party, *RowError) {
	get := func(col string) (string, int) {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return "", 0
		}
		return strings.TrimSpace(rec[i]), i + 1
	}
	fail := func(col int, format string, args ...any) *RowError {
		return &RowError{File: name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	p := Party{Line: line}
	var col int
	if p.Ref, col = get("ref"); p.Ref == "" {
		return p, fail(col, "empty ref")
	}
	if p.Name, col = get("name"); p.Name == "" {
		return p, fail(col, "empty name")
	}
	kind, col := get("kind")
	switch strings.ToLower(kind) {
	case "":
	case "person", "individual":
		p.Kind = tracker.KindPerson
	case "organisation", "organization", "entity", "company":
		p.Kind = tracker.KindEntity
	case "vessel":
		p.Kind = tracker.KindVessel
	default:
		return p, fail(col, "kind %q: want person, organisation or vessel", kind)
	}
	if p.BirthDate, col = get("birth_date"); p.BirthDate != "" && !validDate(p.BirthDate) {
		return p, fail(col, "birth_date %q: want YYYY, YYYY-MM or YYYY-MM-DD", p.BirthDate)
	}
	p.Country, _ = get("country")
	p.Identifiers = splitValues(get("identifiers"))
	p.Wallets = splitValues(get("wallets"))
	p.Aliases = splitValues(get("aliases"))
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !known[strings.ToLower(h)] && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
			p.Extra = append(p.Extra, Field{Name: h, Value: strings.TrimSpace(rec[i])})
		}
	}
	return p, nil
}

func splitValues(s string, _ int) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
