// Package tracker holds the domain of the sanctions tracker: the normalized
// entity every list is parsed into, snapshots, and changes between them. It
// imports nothing internal; parsers, storage, diff and notifiers depend on it.
package tracker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Kind is what sort of subject a listing designates.
type Kind string

const (
	KindPerson   Kind = "person"
	KindEntity   Kind = "entity"
	KindVessel   Kind = "vessel"
	KindAircraft Kind = "aircraft"
)

// Entity is one designation as published by one list, normalized so that
// every list shares the same shape. ID is the publisher's own identifier
// (OFAC ent_num/uid, EU logicalId, UK Unique ID) and is stable across
// publications of the same list.
//
// Dates are ISO 8601 and may be partial ("1975", "1975-03"); a date the
// parser could not read is kept verbatim rather than dropped.
type Entity struct {
	ID            string            `json:"id"`
	Kind          Kind              `json:"kind,omitempty"`
	Name          string            `json:"name"`
	Aliases       []Alias           `json:"aliases,omitempty"`
	Programs      []string          `json:"programs,omitempty"`
	Designated    string            `json:"designated,omitempty"`
	BirthDates    []string          `json:"birth_dates,omitempty"`
	BirthPlaces   []string          `json:"birth_places,omitempty"`
	Nationalities []string          `json:"nationalities,omitempty"`
	Positions     []string          `json:"positions,omitempty"`
	Addresses     []Address         `json:"addresses,omitempty"`
	Identifiers   []Identifier      `json:"identifiers,omitempty"`
	Notices       []Notice          `json:"notices,omitempty"`
	Remarks       string            `json:"remarks,omitempty"`
	Attrs         map[string]string `json:"attrs,omitempty"`
}

// Alias is another name the subject is known by.
type Alias struct {
	Name     string `json:"name"`
	Type     string `json:"type,omitempty"`     // "aka", "fka", "nka" or a publisher's own word
	Strength string `json:"strength,omitempty"` // "strong", "weak" or "" when the source does not say
	Lang     string `json:"lang,omitempty"`
}

// Address is a postal address. Text holds an address the source publishes
// as a single line.
type Address struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	Text       string `json:"text,omitempty"`
}

// Identifier is a typed identifying value: a passport, a registration number,
// a crypto wallet ("Digital Currency Address - XBT"), a vessel IMO number.
type Identifier struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Country string `json:"country,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Notice is an official publication behind a designation, such as an EU
// implementing regulation in the Official Journal.
type Notice struct {
	Title string `json:"title,omitempty"`
	Date  string `json:"date,omitempty"`
	URL   string `json:"url,omitempty"`
}

// String renders an address on one line.
func (a Address) String() string {
	parts := make([]string, 0, 6)
	for _, p := range []string{a.Text, a.Street, a.City, a.Region, a.PostalCode, a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// String renders an alias with its qualifiers.
func (a Alias) String() string {
	s := a.Name
	var q []string
	if a.Type != "" {
		q = append(q, a.Type)
	}
	if a.Strength != "" {
		q = append(q, a.Strength)
	}
	if a.Lang != "" {
		q = append(q, a.Lang)
	}
	if len(q) > 0 {
		s += " (" + strings.Join(q, ", ") + ")"
	}
	return s
}

// String renders an identifier as "Type Value (Country; Note)".
func (i Identifier) String() string {
	s := strings.TrimSpace(i.Type + " " + i.Value)
	var q []string
	if i.Country != "" {
		q = append(q, i.Country)
	}
	if i.Note != "" {
		q = append(q, i.Note)
	}
	if len(q) > 0 {
		s += " (" + strings.Join(q, "; ") + ")"
	}
	return s
}

// String renders a notice as "Title, Date, URL".
func (n Notice) String() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{n.Title, n.Date, n.URL} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Canonicalize puts the entity in its canonical form: whitespace trimmed,
// empty values dropped, every set-like field sorted and de-duplicated. Two
// publications of the same facts in a different order give the same form,
// so the diff never reports a reordering as an amendment.
func (e *Entity) Canonicalize() {
	e.ID = strings.TrimSpace(e.ID)
	e.Name = CleanSpace(e.Name)
	e.Designated = strings.TrimSpace(e.Designated)
	e.Remarks = CleanSpace(e.Remarks)
	e.Programs = cleanStrings(e.Programs)
	e.BirthDates = cleanStrings(e.BirthDates)
	e.BirthPlaces = cleanStrings(e.BirthPlaces)
	e.Nationalities = cleanStrings(e.Nationalities)
	e.Positions = cleanStrings(e.Positions)

	e.Aliases = cleanSet(e.Aliases, func(a *Alias) bool {
		a.Name, a.Type, a.Strength, a.Lang = CleanSpace(a.Name), CleanSpace(a.Type), CleanSpace(a.Strength), CleanSpace(a.Lang)
		return a.Name != ""
	}, func(a, b Alias) int {
		return compareFields(a.Name, b.Name, a.Type, b.Type, a.Strength, b.Strength, a.Lang, b.Lang)
	})
	e.Addresses = cleanSet(e.Addresses, func(a *Address) bool {
		a.Street, a.City, a.Region = CleanSpace(a.Street), CleanSpace(a.City), CleanSpace(a.Region)
		a.PostalCode, a.Country, a.Text = CleanSpace(a.PostalCode), CleanSpace(a.Country), CleanSpace(a.Text)
		return *a != Address{}
	}, func(a, b Address) int {
		return compareFields(a.Text, b.Text, a.Street, b.Street, a.City, b.City, a.Region, b.Region, a.PostalCode, b.PostalCode, a.Country, b.Country)
	})
	e.Identifiers = cleanSet(e.Identifiers, func(i *Identifier) bool {
		i.Type, i.Value, i.Country, i.Note = CleanSpace(i.Type), CleanSpace(i.Value), CleanSpace(i.Country), CleanSpace(i.Note)
		return i.Value != ""
	}, func(a, b Identifier) int {
		return compareFields(a.Type, b.Type, a.Value, b.Value, a.Country, b.Country, a.Note, b.Note)
	})
	e.Notices = cleanSet(e.Notices, func(n *Notice) bool {
		n.Title, n.Date, n.URL = CleanSpace(n.Title), strings.TrimSpace(n.Date), strings.TrimSpace(n.URL)
		return *n != Notice{}
	}, func(a, b Notice) int { return compareFields(a.Date, b.Date, a.Title, b.Title, a.URL, b.URL) })

	for k, v := range e.Attrs {
		if v = CleanSpace(v); v == "" {
			delete(e.Attrs, k)
		} else {
			e.Attrs[k] = v
		}
	}
	if len(e.Attrs) == 0 {
		e.Attrs = nil
	}
}

// Encode returns the canonical encoding of a canonicalized entity: the bytes
// that are hashed and stored. encoding/json writes struct fields in
// declaration order and map keys sorted, so the encoding is deterministic.
func (e *Entity) Encode() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode entity %s: %w", e.ID, err)
	}
	return b, nil
}

// ContentHash returns the hex sha256 of an encoding made by Encode.
func ContentHash(encoded []byte) string {
	sum := sha256.Sum256(encoded)
	return hex.EncodeToString(sum[:])
}

// DecodeEntity reverses Encode.
func DecodeEntity(b []byte) (*Entity, error) {
	var e Entity
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	return &e, nil
}

// CleanSpace trims s and folds every run of white space to one space.
func CleanSpace(s string) string {
	if !needsClean(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// needsClean is the fast path of CleanSpace: most published values are
// already clean ASCII and need no allocation.
func needsClean(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80, c == '\t', c == '\n', c == '\r', c == '\v', c == '\f':
			return true // non-ASCII may hold Unicode spaces; let strings.Fields decide
		case c == ' ' && s[i+1] == ' ':
			return true
		}
	}
	return false
}

func cleanStrings(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := in[:0]
	for _, s := range in {
		if s = CleanSpace(s); s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return dedupe(out, func(a, b string) bool { return a == b })
}

func cleanSet[T any](in []T, clean func(*T) bool, cmp func(a, b T) int) []T {
	if len(in) == 0 {
		return nil
	}
	out := in[:0]
	for i := range in {
		v := in[i]
		if clean(&v) {
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return cmp(out[i], out[j]) < 0 })
	out = dedupe(out, func(a, b T) bool { return cmp(a, b) == 0 })
	if len(out) == 0 {
		return nil
	}
	return out
}

func dedupe[T any](sorted []T, eq func(a, b T) bool) []T {
	if len(sorted) < 2 {
		return sorted
	}
	out := sorted[:1]
	for _, v := range sorted[1:] {
		if !eq(out[len(out)-1], v) {
			out = append(out, v)
		}
	}
	return out
}

// compareFields compares pairs (a1, b1, a2, b2, ...) in order.
func compareFields(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// Equal reports whether two canonicalized entities hold the same facts. It
// is the allocation-free fast path of a diff, where most entities are
// unchanged.
func (e *Entity) Equal(o *Entity) bool {
	return e.ID == o.ID && e.Kind == o.Kind && e.Name == o.Name &&
		e.Designated == o.Designated && e.Remarks == o.Remarks &&
		slices.Equal(e.Aliases, o.Aliases) && slices.Equal(e.Programs, o.Programs) &&
		slices.Equal(e.BirthDates, o.BirthDates) && slices.Equal(e.BirthPlaces, o.BirthPlaces) &&
		slices.Equal(e.Nationalities, o.Nationalities) && slices.Equal(e.Positions, o.Positions) &&
		slices.Equal(e.Addresses, o.Addresses) && slices.Equal(e.Identifiers, o.Identifiers) &&
		slices.Equal(e.Notices, o.Notices) && maps.Equal(e.Attrs, o.Attrs)
}
