package ofac

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// A Reader parses OFAC publications as Parse does, and remembers, for
// the last main file it read on its own (sdn.csv without the set's other
// files, as OFAC has published it since 2024 and the history holds it),
// the entity each line gave. Reading a list's versions in a row (a
// replay), the next version then parses only the lines that changed: two
// consecutive publications share all but a few dozen of their 15,000
// lines, and a plain line's entity depends on that line alone (see
// primaryParts). A line read again gives the very entity it gave before,
// shared between the two publications, so entities must not be changed
// once parsed (nothing after the parsers changes them).
//
// What it keeps is detached from the files it was read from: each entity
// is copied with its strings in one buffer of its own, so that a
// publication's text and the parser's blocks are dropped after the parse.
// A publication read any other way (XML, a CSV set, a file that is not
// plain) is parsed as Parse does and empties the memory.
type Reader struct {
	mu    sync.Mutex
	lines map[string]*ofacMemoLine
	gen   uint64
}

// ofacMemoLine is a line of the last main file and the entity it gave.
type ofacMemoLine struct {
	e   *tracker.Entity
	gen uint64 // the read that last saw the line
}

// Parse is Parse, with the Reader's memory of the last publication.
func (r *Reader) Parse(ctx context.Context, files []source.RawFile) (*source.Publication, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pub, err := parse(ctx, files, r)
	if err == nil {
		pub.Remembered = true
	}
	return pub, err
}

// lookup returns the entity the line gave in the last publication, if
// it was in it. Parts look up at the same time; only commit writes.
func (r *Reader) lookup(line string) (*ofacMemoLine, bool) {
	if r == nil || r.lines == nil {
		return nil, false
	}
	m, ok := r.lines[line]
	return m, ok
}

// forget empties the memory: the publication was not read line by line.
func (r *Reader) forget() {
	if r != nil {
		r.lines = nil
	}
}

// commit makes the parts' lines the memory, and the entities of the
// lines not seen before detached copies, in the parts and in the
// memory alike.
func (r *Reader) commit(parts []ofacCSVPart) {
	if r.lines == nil {
		n := 0
		for i := range parts {
			n += len(parts[i].entities)
		}
		r.lines = make(map[string]*ofacMemoLine, n)
	}
	r.gen++
	for i := range parts {
		p := &parts[i]
		for _, m := range p.seen {
			m.gen = r.gen
		}
		for _, n := range p.fresh {
			e := ofacDetach(p.entities[n.at])
			p.entities[n.at] = e
			r.lines[strings.Clone(n.line)] = &ofacMemoLine{e: e, gen: r.gen}
		}
	}
	maps.DeleteFunc(r.lines, func(_ string, m *ofacMemoLine) bool { return m.gen != r.gen })
}

// ofacFreshLine is a line a part parsed, not found in the memory, and
// where its entity is in the part's entities.
type ofacFreshLine struct {
	line string
	at   int
}

// ofacDetach copies a parsed entity so that it holds on to nothing of
// the parse: its slices are its own, and its strings are cut from one
// string of their own.
func ofacDetach(src *tracker.Entity) *tracker.Entity {
	e := *src
	e.Aliases = slices.Clone(e.Aliases)
	e.Programs = slices.Clone(e.Programs)
	e.BirthDates = slices.Clone(e.BirthDates)
	e.BirthPlaces = slices.Clone(e.BirthPlaces)
	e.Nationalities = slices.Clone(e.Nationalities)
	e.Positions = slices.Clone(e.Positions)
	e.Addresses = slices.Clone(e.Addresses)
	e.Identifiers = slices.Clone(e.Identifiers)
	e.Notices = slices.Clone(e.Notices)
	e.Attrs = maps.Clone(e.Attrs)
	var keys []string // the attributes in one order for both passes
	if len(e.Attrs) > 0 {
		keys = slices.Sorted(maps.Keys(e.Attrs))
	}

	var b strings.Builder
	ofacEachString(&e, keys, func(s *string) { b.WriteString(*s) })
	all, at := b.String(), 0
	ofacEachString(&e, keys, func(s *string) {
		*s = all[at : at+len(*s)]
		at += len(*s)
	})
	return &e
}

// ofacEachString calls fn with every string of e that the parse may have
// cut from a file, attributes by keys.
func ofacEachString(e *tracker.Entity, keys []string, fn func(*string)) {
	for _, s := range []*string{&e.ID, (*string)(&e.Kind), &e.Name, &e.Designated, &e.Remarks} {
		fn(s)
	}
	for _, ss := range [][]string{e.Programs, e.BirthDates, e.BirthPlaces, e.Nationalities, e.Positions} {
		for i := range ss {
			fn(&ss[i])
		}
	}
	for i := range e.Aliases {
		a := &e.Aliases[i]
		for _, s := range []*string{&a.Name, &a.Type, &a.Strength, &a.Lang} {
			fn(s)
		}
	}
	for i := range e.Addresses {
		a := &e.Addresses[i]
		for _, s := range []*string{&a.Street, &a.City, &a.Region, &a.PostalCode, &a.Country, &a.Text} {
			fn(s)
		}
	}
	for i := range e.Identifiers {
		id := &e.Identifiers[i]
		for _, s := range []*string{&id.Type, &id.Value, &id.Country, &id.Note} {
			fn(s)
		}
	}
	for i := range e.Notices {
		n := &e.Notices[i]
		for _, s := range []*string{&n.Title, &n.Date, &n.URL} {
			fn(s)
		}
	}
	for _, k := range keys {
		v := e.Attrs[k]
		fn(&v)
		e.Attrs[k] = v
	}
}
