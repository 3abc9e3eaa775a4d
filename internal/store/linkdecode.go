package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
)

// scanLinkView reads a linkView from a stored entity's body without
// encoding/json, or reports false, and then encoding/json decides: a
// list's first relinking (see earlyRelink) decoded OFSI's 4,700 bodies
// in ~42 ms with json.Unmarshal, which walks every byte of the long texts
// linking skips through its state machine (twice: it checks the body
// first), against ~14 ms here.
//
// It reads what tracker.Entity.AppendEncode writes: an object whose keys
// are plain and whose values linking reads are strings, arrays of
// strings and objects of strings. Anything else it is unsure of (a null,
// a key that only matches a field as encoding/json matches them, without
// case) makes it give up rather than guess, and a string with an escape
// is unquoted by encoding/json, so the result is always the one
// json.Unmarshal gives (TestScanLinkView).
func scanLinkView(body []byte) (linkView, bool) {
	s := linkScanner{b: body}
	var v linkView
	done := s.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return s.strTo(&v.ID)
		case "kind":
			var k string
			good := s.strTo(&k)
			v.Kind = tracker.Kind(k)
			return good
		case "name":
			return s.strTo(&v.Name)
		case "birth_dates":
			return s.strs(&v.BirthDates)
		case "nationalities":
			return s.strs(&v.Nationalities)
		case "aliases":
			return s.aliases(&v.Aliases)
		case "addresses":
			return s.addresses(&v.Addresses)
		case "identifiers":
			return s.identifiers(&v.Identifiers)
		case "attrs":
			return s.attrs(&v.Attrs)
		}
		return s.other(key, "id", "kind", "name", "birth_dates", "nationalities", "aliases", "addresses", "identifiers", "attrs")
	})
	s.ws()
	return v, done && s.i == len(s.b)
}

func (s *linkScanner) aliases(dst *[]linkAlias) bool {
	*dst = []linkAlias{}
	return s.array(func() bool {
		var a linkAlias
		good := s.object(func(key []byte) bool {
			switch string(key) {
			case "name":
				return s.strTo(&a.Name)
			case "strength":
				return s.strTo(&a.Strength)
			}
			return s.other(key, "name", "strength")
		})
		*dst = append(*dst, a)
		return good
	})
}

func (s *linkScanner) addresses(dst *[]linkAddress) bool {
	*dst = []linkAddress{}
	return s.array(func() bool {
		var a linkAddress
		good := s.object(func(key []byte) bool {
			if string(key) == "country" {
				return s.strTo(&a.Country)
			}
			return s.other(key, "country")
		})
		*dst = append(*dst, a)
		return good
	})
}

func (s *linkScanner) identifiers(dst *[]linkIdent) bool {
	*dst = []linkIdent{}
	return s.array(func() bool {
		var id linkIdent
		good := s.object(func(key []byte) bool {
			switch string(key) {
			case "type":
				return s.strTo(&id.Type)
			case "value":
				return s.strTo(&id.Value)
			case "country":
				return s.strTo(&id.Country)
			}
			return s.other(key, "type", "value", "country")
		})
		*dst = append(*dst, id)
		return good
	})
}

// attrs reads the attributes into dst, as encoding/json decodes an object
// into a struct: the fields it names are set, the others kept.
func (s *linkScanner) attrs(dst *linkAttrs) bool {
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "uk_ref":
			return s.strTo(&dst.UKRef)
		case "un_ref":
			return s.strTo(&dst.UNRef)
		}
		return s.other(key, "uk_ref", "un_ref")
	})
}

// linkScanner reads JSON from b at i.
type linkScanner struct {
	b []byte
	i int
}

func (s *linkScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// next skips white space and reports whether the next byte is c,
// consuming it if so.
func (s *linkScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads an object, calling field with the scanner at each value.
// A key is only looked at, not kept: it is not copied into a string.
func (s *linkScanner) object(field func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		s.ws()
		key, good := s.key()
		if !good || !s.next(':') {
			return false
		}
		s.ws()
		if !field(key) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads an array, calling elem with the scanner at each element.
func (s *linkScanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		s.ws()
		if !elem() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// strs reads an array of strings into dst: [] is an empty slice, as
// encoding/json makes it.
func (s *linkScanner) strs(dst *[]string) bool {
	out := []string{}
	good := s.array(func() bool {
		var v string
		good := s.strTo(&v)
		out = append(out, v)
		return good
	})
	*dst = out
	return good
}

// strTo reads a string into dst.
func (s *linkScanner) strTo(dst *string) bool {
	v, good := s.str()
	*dst = v
	return good
}

// span finds the string at i: its contents are b[start:end]; plain says
// they are ASCII without escapes; escaped that they hold a backslash. It
// moves past the string.
func (s *linkScanner) span() (start, end int, plain, escaped, good bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return 0, 0, false, false, false
	}
	start = s.i + 1
	plain = true
	j := start
	for ; j < len(s.b); j++ {
		c := s.b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain, escaped = false, true
			j++ // the escaped byte, a quote perhaps
			continue
		}
		if c < 0x20 {
			return 0, 0, false, false, false
		}
		if c >= utf8.RuneSelf {
			plain = false
		}
	}
	if j >= len(s.b) {
		return 0, 0, false, false, false
	}
	s.i = j + 1
	return start, j, plain, escaped, true
}

// str reads a string. One with an escape is unquoted by encoding/json;
// one that is not valid UTF-8 too (it replaces the bad bytes).
func (s *linkScanner) str() (string, bool) {
	start, end, plain, escaped, good := s.span()
	if !good {
		return "", false
	}
	raw := s.b[start:end]
	if plain || (!escaped && utf8.Valid(raw)) {
		return string(raw), true
	}
	var v string
	if err := json.Unmarshal(s.b[start-1:end+1], &v); err != nil {
		return "", false
	}
	return v, true
}

// key reads an object's key: its bytes when it has no escape (they may
// not be valid UTF-8: such a key matches no field), else unquoted.
func (s *linkScanner) key() ([]byte, bool) {
	start, end, _, escaped, good := s.span()
	if !good {
		return nil, false
	}
	if !escaped {
		return s.b[start:end], true
	}
	var v string
	if err := json.Unmarshal(s.b[start-1:end+1], &v); err != nil {
		return nil, false
	}
	return []byte(v), true
}

// skipStr moves past a string whose value is not read; one with an
// escape must still be valid JSON.
func (s *linkScanner) skipStr() bool {
	start, end, _, escaped, good := s.span()
	return good && (!escaped || json.Valid(s.b[start-1:end+1]))
}

// other skips the value of a key linking does not read, unless the key
// is one of known but for case, which encoding/json would take for it.
func (s *linkScanner) other(key []byte, known ...string) bool {
	for _, k := range known {
		if bytes.EqualFold(key, []byte(k)) {
			return false
		}
	}
	return s.skip()
}

// skip skips one value.
func (s *linkScanner) skip() bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		return s.skipStr()
	case '{':
		return s.object(func([]byte) bool { return s.skip() })
	case '[':
		return s.array(s.skip)
	}
	// A number, true, false or null: up to the next delimiter.
	start := s.i
	for s.i < len(s.b) && !strings.ContainsRune(",}] \t\n\r", rune(s.b[s.i])) {
		s.i++
	}
	return json.Valid(s.b[start:s.i])
}
