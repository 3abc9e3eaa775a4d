// Package source holds what every publisher's parser shares: the raw
// files in and the publication out, the ParseError that names file and
// position, publication dates, UTF-8 and control-character checks, the
// HTML-page detector, format-drift notes and the final checks every
// publication passes (Finish). One package per publisher, below this
// one, parses that publisher's formats; none of them does I/O.
package source

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"github.com/cybersanctions/tracker"
)

// ParserVersion changes whenever a parser reads the same published bytes
// into different entities (a field mapped anew, a name chosen by another
// rule). The store keeps it with each snapshot; on a change the latest
// snapshot is re-read silently before the next publication is compared
// with it, so alerts never announce the tracker's own change as the
// publisher's.
//
// 2: EU names from the untranslated alias, EU designation dates from the
// first regulation's publication, publication dates parsed.
// 3: OFAC remarks cut at 1,000 characters are marked (AttrRemarksCut).
const ParserVersion = 3

// RawFile is one published file, as downloaded or read from disk.
type RawFile struct {
	// Name is the file's base name ("sdn.csv", "2024-05-03.sdn.csv"); for
	// formats published as several files it tells the parser each file's role.
	Name string
	// Origin is the URL or path the file came from.
	Origin string
	Data   []byte
}

// Publication is what a parser makes of the raw files of one publication.
type Publication struct {
	// PublishedAt is the date the list states for itself (ISO 8601, UTC
	// date or date-time), or "" when the format carries none.
	PublishedAt string
	// Entities are canonicalized (tracker.Entity.Canonicalize), with unique
	// IDs, in the order the publication lists them.
	Entities []*tracker.Entity
	// Sealed: the format proved the publication whole (OFAC XML's
	// Record_Count matched, every OFAC CSV file ended with OFAC's
	// end-of-file byte). Without it, a file cut on a record boundary parses
	// like a list with fewer entries.
	Sealed bool
	// Unsealed says which file lacks the end its publisher always gives
	// it, when the format has one: a download cut short looks like that.
	Unsealed string
	// Remembered: the parser remembers the publication before (a reader
	// of many versions in a row), and gives an entity it read again as the
	// same object. Entities are never changed once parsed, so an object
	// met again holds what it held then: its hash need not be taken again.
	Remembered bool
	// Drift is what the publication holds that the parser does not know
	// (a new column, element, attribute, or a value outside a closed set),
	// each once, in the order first seen. The entities keep such values
	// verbatim; the store tells operators of each drift once.
	Drift []Drift
}

// Drift is a part of a publication's format the parser does not know.
type Drift = tracker.Drift

// DriftLog collects a parse's drift, each (kind, name) once, and logs it
// as a warning when first seen in the parse. It is meant for the rare
// unknown: the hot path only pays a map lookup where it meets a name it
// does not know.
type DriftLog struct {
	List, File string // for the log line and Drift.File
	seen       map[string]bool
	drift      []Drift
}

// Note records a drift unless this parse saw it already.
func (d *DriftLog) Note(kind, name, example, pos string) {
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	key := kind + "\x00" + name
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.drift = append(d.drift, Drift{Kind: kind, Name: name, Example: example, File: d.File, Pos: pos})
	slog.Warn(d.List+": format drift: new "+kind, "list", d.List, "file", d.File, "pos", pos, "name", name, "example", example)
}

// Drift returns what was noted, in the order first seen.
func (d *DriftLog) Drift() []Drift { return d.drift }

// Parser turns the raw files of one publication into entities. It reads its
// input as a stream of records; it never skips a record it cannot read: it
// fails with a *ParseError naming the file and the position instead,
// because a skipped record would be announced as a delisting.
type Parser func(ctx context.Context, files []RawFile) (*Publication, error)

// ParseError locates a parse failure: "parse sdn.csv line 812: ...".
type ParseError struct {
	File string // base name of the file
	Pos  string // "line 812", "record 17 (uid 1234)", "offset 5120"; "" when the whole file is at fault
	Err  error
}

func (e *ParseError) Error() string {
	if e.Pos == "" {
		return fmt.Sprintf("parse %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("parse %s %s: %v", e.File, e.Pos, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// finish canonicalizes entities and rejects an empty publication or duplicate
// IDs; every parser returns through it.
func Finish(file string, pub *Publication) (*Publication, error) {
	InParallel(len(pub.Entities), func(lo, hi int) {
		for _, e := range pub.Entities[lo:hi] {
			e.Canonicalize()
		}
	})
	return FinishCanonical(file, pub)
}

// FinishCanonical is Finish for a parser that canonicalized every entity
// itself, on the goroutine that had just built it and while it was still
// in the processor's cache: a second pass over all entities costs more.
func FinishCanonical(file string, pub *Publication) (*Publication, error) {
	if len(pub.Entities) == 0 {
		return nil, &ParseError{File: file, Err: fmt.Errorf("no entries: not a list file, or an empty one")}
	}
	if idsRising(pub.Entities) {
		return pub, nil // every id given, and none twice
	}
	seen := make(map[string]struct{}, len(pub.Entities))
	for _, e := range pub.Entities {
		if e.ID == "" {
			return nil, &ParseError{File: file, Err: fmt.Errorf("entry %q has no id", e.Name)}
		}
		if _, dup := seen[e.ID]; dup {
			return nil, &ParseError{File: file, Err: fmt.Errorf("duplicate id %s", e.ID)}
		}
		seen[e.ID] = struct{}{}
	}
	return pub, nil
}

// idsRising reports whether every entity has an id and each id comes
// after the one before it, shorter before longer, then in byte order: as
// OFAC's ent_nums come. Such ids are unique without a map of them, which
// took a millisecond of every OFAC parse.
func idsRising(es []*tracker.Entity) bool {
	for i, e := range es {
		if e.ID == "" {
			return false
		}
		if i > 0 {
			prev := es[i-1].ID
			if len(prev) > len(e.ID) || len(prev) == len(e.ID) && prev >= e.ID {
				return false
			}
		}
	}
	return true
}

// inParallel calls fn on consecutive parts of [0, n), one goroutine per
// core, and returns when all are done. Parsers use it for per-entity work
// that touches nothing shared (canonicalizing, reading OFAC's remarks):
// on a full list it is a large part of the parse. Small inputs stay on
// one goroutine.
func InParallel(n int, fn func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), n/parallelMin)
	if parts <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Go(func() { fn(p*n/parts, (p+1)*n/parts) })
	}
	fn(0, n/parts)
	wg.Wait()
}

// parallelMin is the fewest entities worth a goroutine of their own.
const parallelMin = 1024
