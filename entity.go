// Package tracker holds the domain of the sanctions tracker: the normalized
// entity every list is parsed into, snapshots, and changes between them. It
// imports nothing internal; parsers, storage, diff and notifiers depend on it.
package tracker

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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

// AttrDesignatedFrom, in Entity.Attrs, names the act an entity's
// Designated date was taken from when the publisher gives no designation
// date of its own (EU entities without designationDate: the first
// regulation's publication date). Alerts then say "listed under
// Regulation X of DATE" rather than present a date the publisher never
// stated.
const AttrDesignatedFrom = "designated_from_regulation"

// AttrRemarksCut, in Entity.Attrs, says the publisher cut the remarks at
// this many characters and the rest was not available (OFAC's sdn.csv
// without sdn_comments.csv): the last item of Remarks may be a fragment.
// It marks how the text was read, not what was published, so the diff
// never reports it, and a cut remark that only differs from the other
// version by where the cut fell is not an amendment.
const AttrRemarksCut = "remarks_cut_at"

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
	return qualified(a.Name, ", ", a.Type, a.Strength, a.Lang)
}

// qualified appends the non-empty qualifiers in parentheses, joined by sep.
func qualified(s, sep string, qualifiers ...string) string {
	q := make([]string, 0, len(qualifiers))
	for _, v := range qualifiers {
		if v != "" {
			q = append(q, v)
		}
	}
	if len(q) > 0 {
		s += " (" + strings.Join(q, sep) + ")"
	}
	return s
}

// String renders an identifier as "Type Value (Country; Note)".
func (i Identifier) String() string {
	return qualified(strings.TrimSpace(i.Type+" "+i.Value), "; ", i.Country, i.Note)
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
	cleanSpaceIn(&e.Name)
	e.Designated = strings.TrimSpace(e.Designated)
	cleanSpaceIn(&e.Remarks)
	e.Programs = cleanStrings(e.Programs)
	e.BirthDates = cleanStrings(e.BirthDates)
	e.BirthPlaces = cleanStrings(e.BirthPlaces)
	e.Nationalities = cleanStrings(e.Nationalities)
	e.Positions = cleanStrings(e.Positions)

	e.Aliases = cleanSet(e.Aliases, func(a *Alias) bool {
		cleanSpaceIn(&a.Name, &a.Type, &a.Strength, &a.Lang)
		return a.Name != ""
	}, func(a, b Alias) int {
		return compareFields(a.Name, b.Name, a.Type, b.Type, a.Strength, b.Strength, a.Lang, b.Lang)
	})
	e.Addresses = cleanSet(e.Addresses, func(a *Address) bool {
		cleanSpaceIn(&a.Street, &a.City, &a.Region, &a.PostalCode, &a.Country, &a.Text)
		return *a != Address{}
	}, func(a, b Address) int {
		return compareFields(a.Text, b.Text, a.Street, b.Street, a.City, b.City, a.Region, b.Region, a.PostalCode, b.PostalCode, a.Country, b.Country)
	})
	e.Identifiers = cleanSet(e.Identifiers, func(i *Identifier) bool {
		cleanSpaceIn(&i.Type, &i.Value, &i.Country, &i.Note)
		return i.Value != ""
	}, func(a, b Identifier) int {
		return compareFields(a.Type, b.Type, a.Value, b.Value, a.Country, b.Country, a.Note, b.Note)
	})
	e.Notices = cleanSet(e.Notices, func(n *Notice) bool {
		cleanSpaceIn(&n.Title)
		n.Date, n.URL = strings.TrimSpace(n.Date), strings.TrimSpace(n.URL)
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
// that are hashed and stored. It is what encoding/json makes of the
// entity's fields and tags by reflection (fields in declaration order, map
// keys sorted, HTML characters escaped), byte for byte, since every stored
// hash was made that way; see AppendEncode.
func (e *Entity) Encode() ([]byte, error) {
	return e.AppendEncode(make([]byte, 0, 512)), nil
}

// AppendEncode appends the canonical encoding to dst. It writes by hand what
// encoding/json would by reflection, because reflection made encoding the
// largest cost of storing a snapshot; TestEncodeMatchesJSON holds the two
// byte-identical, for every field, and must be kept passing when a field
// is added.
func (e *Entity) AppendEncode(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, e.ID)
	dst = appendField(dst, "kind", string(e.Kind))
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, e.Name)
	dst = appendArray(dst, "aliases", e.Aliases, appendAlias)
	dst = appendStrings(dst, "programs", e.Programs)
	dst = appendField(dst, "designated", e.Designated)
	dst = appendStrings(dst, "birth_dates", e.BirthDates)
	dst = appendStrings(dst, "birth_places", e.BirthPlaces)
	dst = appendStrings(dst, "nationalities", e.Nationalities)
	dst = appendStrings(dst, "positions", e.Positions)
	dst = appendArray(dst, "addresses", e.Addresses, appendAddress)
	dst = appendArray(dst, "identifiers", e.Identifiers, appendIdentifier)
	dst = appendArray(dst, "notices", e.Notices, appendNotice)
	dst = appendField(dst, "remarks", e.Remarks)
	dst = appendAttrs(dst, e.Attrs)
	return append(dst, '}')
}

// appendArray appends `,"key":[…]` with each item encoded by each, or
// nothing for no items (omitempty).
func appendArray[T any](dst []byte, key string, items []T, each func([]byte, *T) []byte) []byte {
	if len(items) == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':', '[')
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = each(dst, &items[i])
	}
	return append(dst, ']')
}

func appendAlias(dst []byte, a *Alias) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendJSONString(dst, a.Name)
	dst = appendField(dst, "type", a.Type)
	dst = appendField(dst, "strength", a.Strength)
	dst = appendField(dst, "lang", a.Lang)
	return append(dst, '}')
}

// appendAddress: every field is optional, so the object starts with the
// first one present, without a comma.
func appendAddress(dst []byte, a *Address) []byte {
	at := len(dst) + 1
	dst = append(dst, '{')
	dst = appendField(dst, "street", a.Street)
	dst = appendField(dst, "city", a.City)
	dst = appendField(dst, "region", a.Region)
	dst = appendField(dst, "postal_code", a.PostalCode)
	dst = appendField(dst, "country", a.Country)
	dst = appendField(dst, "text", a.Text)
	dst = dropComma(dst, at)
	return append(dst, '}')
}

func appendIdentifier(dst []byte, id *Identifier) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, id.Type)
	dst = append(dst, `,"value":`...)
	dst = appendJSONString(dst, id.Value)
	dst = appendField(dst, "country", id.Country)
	dst = appendField(dst, "note", id.Note)
	return append(dst, '}')
}

// appendNotice: every field is optional, as in an address.
func appendNotice(dst []byte, n *Notice) []byte {
	at := len(dst) + 1
	dst = append(dst, '{')
	dst = appendField(dst, "title", n.Title)
	dst = appendField(dst, "date", n.Date)
	dst = appendField(dst, "url", n.URL)
	dst = dropComma(dst, at)
	return append(dst, '}')
}

// appendAttrs appends the attributes in key order, as encoding/json
// writes a map.
func appendAttrs(dst []byte, attrs map[string]string) []byte {
	if len(attrs) == 0 {
		return dst
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, `,"attrs":{`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, attrs[k])
	}
	return append(dst, '}')
}

// MarshalJSON makes json.Marshal of an entity, and of every value holding
// one (a change, an alert), use AppendEncode: the same bytes, without
// reflection.
func (e Entity) MarshalJSON() ([]byte, error) {
	return e.AppendEncode(make([]byte, 0, 512)), nil
}

// appendField appends `,"name":"value"`, or nothing for an empty value
// (omitempty).
func appendField(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendJSONString(dst, value)
}

func appendStrings(dst []byte, name string, values []string) []byte {
	if len(values) == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':', '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, v)
	}
	return append(dst, ']')
}

// dropComma removes the comma appendField put at dst[at], where an object
// of optional fields starts.
func dropComma(dst []byte, at int) []byte {
	if len(dst) > at && dst[at] == ',' {
		return append(dst[:at], dst[at+1:]...)
	}
	return dst
}

// jsonPlain marks the bytes appendJSONString copies as they are: printable
// ASCII but for quote, backslash and the HTML characters.
var jsonPlain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = !strings.ContainsRune(`"\<>&`, rune(b))
	}
	return t
}()

// appendJSONString quotes s as encoding/json does by default: control
// characters, quote, backslash and the HTML characters <, >, & escaped,
// invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if jsonPlain[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
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

// cleanSpaceIn cleans each string in place, and writes only those that
// change: most are clean already, and storing a string writes a pointer,
// which costs a write barrier whenever the collector is running.
func cleanSpaceIn(ps ...*string) {
	for _, p := range ps {
		if needsClean(*p) {
			*p = strings.Join(strings.Fields(*p), " ")
		}
	}
}

// needsClean is the fast path of CleanSpace: most published values are
// already clean and need no allocation. It looks for what strings.Fields
// would split on: ASCII white space, and the Unicode spaces (no-break
// space and the like) that non-Latin lists use.
func needsClean(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return true
	}
	// Eight bytes at a time while they are printable ASCII: a run of two
	// spaces is the only thing to look for there ("Bit Twiddling Hacks":
	// hasless, and the exact test for a zero byte).
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
		lows  = 0x7f7f7f7f7f7f7f7f
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if ((x-ones*0x20)&^x|x)&highs != 0 {
			break // a byte below 0x20 or above 0x7F: the byte loop reads it
		}
		y := x ^ ones*' '
		sp := ^((y&lows + lows) | y | lows) // the high bit of each space
		if sp&(sp>>8) != 0 || sp>>63 != 0 && i+8 < len(s) && s[i+8] == ' ' {
			return true
		}
	}
	for i < len(s) {
		c := s[i]
		if notSpace[c] {
			i++
			continue
		}
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return true
			}
			i += size
			continue
		case c == '\t', c == '\n', c == '\r', c == '\v', c == '\f':
			return true
		case c == ' ' && s[i+1] == ' ':
			return true
		}
		i++
	}
	return false
}

// notSpace marks the ASCII bytes other than space and control characters,
// which needsClean skips without a closer look.
var notSpace = func() (t [256]bool) {
	for b := '!'; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	return t
}()

func cleanStrings(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	// As in cleanSet, an element that stays where it is is not stored again.
	out := in[:0]
	for i := range in {
		cleanSpaceIn(&in[i])
		if in[i] != "" {
			out = keep(out, in, i)
		}
	}
	if len(out) > 1 {
		slices.Sort(out)
	}
	return dedupe(out, func(a, b string) bool { return a == b })
}

func cleanSet[T any](in []T, clean func(*T) bool, cmp func(a, b T) int) []T {
	if len(in) == 0 {
		return nil
	}
	// Cleaned in place: a copy handed to clean, a func value, would escape
	// to the heap, one allocation per element. out never gets ahead of i,
	// so in[i] is read before anything overwrites it.
	out := in[:0]
	for i := range in {
		if clean(&in[i]) {
			out = keep(out, in, i)
		}
	}
	if len(out) > 1 {
		slices.SortStableFunc(out, cmp)
	}
	out = dedupe(out, func(a, b T) bool { return cmp(a, b) == 0 })
	if len(out) == 0 {
		return nil
	}
	return out
}

// keep appends in[i] to out, a prefix of in no longer than i, without
// storing it again when it is already in place: a store of a value with
// pointers costs a write barrier whenever the collector is running, and
// most sets have nothing to drop.
func keep[T any](out, in []T, i int) []T {
	if len(out) == i {
		return in[:i+1]
	}
	return append(out, in[i])
}

func dedupe[T any](sorted []T, eq func(a, b T) bool) []T {
	// Nothing moves before the first duplicate.
	i := 1
	for i < len(sorted) && !eq(sorted[i-1], sorted[i]) {
		i++
	}
	if i >= len(sorted) {
		return sorted
	}
	out := sorted[:i]
	for _, v := range sorted[i+1:] {
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
