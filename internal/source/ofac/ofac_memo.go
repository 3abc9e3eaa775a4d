package ofac

import (
	"context"
	"maps"
	"slices"
	"sort"
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
// Lines are found again by walking both files in ent_num order, as both
// list them, and compared byte for byte. What the Reader keeps is the
// last file's text and entities detached from their parse: each entity
// parsed is copied with its strings in one buffer of its own, so that the
// parser's blocks and the older texts are dropped. A publication read any
// other way (XML, a CSV set, a file that is not plain, an error) is parsed
// as Parse does and empties the memory.
type Reader struct {
	mu    sync.Mutex
	lines []ofacMemoLine // the last main file's lines, ent_nums rising
}

// ofacMemoLine is a line of a main file (without its line break), the
// entity it gave and that entity's id (its ent_num).
type ofacMemoLine struct {
	line, id string
	e        *tracker.Entity
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

// forget empties the memory: the publication was not read line by line.
func (r *Reader) forget() {
	if r != nil {
		r.lines = nil
	}
}

// commit makes the parts' lines the memory, and the entities of the
// lines parsed anew detached copies, in the parts and in the memory
// alike.
func (r *Reader) commit(parts []ofacCSVPart) {
	n := 0
	for i := range parts {
		n += len(parts[i].remembered)
	}
	lines := make([]ofacMemoLine, 0, n)
	for i := range parts {
		p := &parts[i]
		for k := range p.remembered {
			if p.remembered[k].e == nil {
				p.entities[k] = ofacDetach(p.entities[k])
				// The id from the detached entity: one cut from the
				// line would hold on to the whole text.
				p.remembered[k].e, p.remembered[k].id = p.entities[k], p.entities[k].ID
			}
		}
		lines = append(lines, p.remembered...)
	}
	r.lines = lines
}

// remember records a line the part read, and the entity it was given
// from the memory (nil: parsed here).
func (p *ofacCSVPart) remember(line, id string, e *tracker.Entity) {
	if p.memo != nil {
		p.remembered = append(p.remembered, ofacMemoLine{line: line, id: id, e: e})
	}
}

// ofacMemoCursor is where a part is in the memory's lines: the part's own
// lines come in ent_num order too, so each is looked for from where the
// one before was.
type ofacMemoCursor struct {
	lines   []ofacMemoLine
	at      int
	started bool
}

// find returns the memory's line that is l, if there is one. l's ent_num
// only says where to look: only the whole line, byte for byte, is a match.
func (c *ofacMemoCursor) find(l string) *ofacMemoLine {
	if c == nil {
		return nil
	}
	id, _, ok := strings.Cut(l, ",")
	if !ok || id == "" {
		return nil
	}
	if !c.started {
		c.at = sort.Search(len(c.lines), func(i int) bool { return ofacCompareIDs(c.lines[i].id, id) >= 0 })
		c.started = true
	}
	for c.at < len(c.lines) && ofacCompareIDs(c.lines[c.at].id, id) < 0 {
		c.at++
	}
	if c.at < len(c.lines) && c.lines[c.at].line == l {
		return &c.lines[c.at]
	}
	return nil
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
