package ofac

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// ofacRole is what a file of a legacy CSV set holds.
type ofacRole int

const (
	ofacPrimary  ofacRole = iota // sdn.csv, cons_prim.csv: one row per entry
	ofacComments                 // sdn_comments.csv: the rest of remarks longer than the column
	ofacAdd                      // add.csv: addresses
	ofacAlt                      // alt.csv: strong aliases
	ofacRoles
)

// ofacCSVRoles names the files of both CSV sets and their column counts.
// The files have no header, so the column count is the only check that a
// file is the one its name says.
var ofacCSVRoles = []struct {
	family string
	role   ofacRole
	base   string
	fields int
}{
	{"SDN", ofacPrimary, "sdn.csv", 12},
	{"SDN", ofacComments, "sdn_comments.csv", 2},
	{"SDN", ofacAdd, "add.csv", 6},
	{"SDN", ofacAlt, "alt.csv", 5},
	{"Consolidated", ofacPrimary, "cons_prim.csv", 12},
	{"Consolidated", ofacComments, "cons_comments.csv", 2},
	{"Consolidated", ofacAdd, "cons_add.csv", 6},
	{"Consolidated", ofacAlt, "cons_alt.csv", 5},
}

type ofacCSVFile struct {
	name   string
	data   []byte
	fields int
}

type ofacCSVSet struct {
	family string
	files  [ofacRoles]*ofacCSVFile
}

// sealed reports whether every file of the set ends with the DOS
// end-of-file byte 0x1A that OFAC writes after the last record (every real
// file since 2021 has it); a file cut on a line boundary lacks it and
// otherwise parses as a shorter list. unsealed names the first that does not.
func (s *ofacCSVSet) sealed() (ok bool, unsealed string) {
	for _, f := range s.files {
		if f == nil {
			continue
		}
		if len(f.data) == 0 || f.data[len(f.data)-1] != 0x1a {
			return false, fmt.Sprintf("%s does not end with OFAC's end-of-file byte 0x1A", f.name)
		}
	}
	return true, ""
}

// ofacCSVSetOf assigns each file its role by name. A name it does not know
// is an error, not a file to ignore: a set that is not what the caller
// thinks it is must not pass for a complete publication.
func ofacCSVSetOf(files []source.RawFile, names []string) (*ofacCSVSet, error) {
	set := &ofacCSVSet{}
	for i, f := range files {
		lower := strings.ToLower(names[i])
		found := false
		for _, r := range ofacCSVRoles {
			if lower != r.base && !strings.HasSuffix(lower, "."+r.base) {
				continue
			}
			found = true
			if set.family != "" && set.family != r.family {
				return nil, &source.ParseError{File: names[i], Err: fmt.Errorf("a %s list file in a set of %s list files", r.family, set.family)}
			}
			set.family = r.family
			if prev := set.files[r.role]; prev != nil {
				return nil, &source.ParseError{File: names[i], Err: fmt.Errorf("given twice: %s and %s", prev.name, names[i])}
			}
			set.files[r.role] = &ofacCSVFile{name: names[i], data: f.Data, fields: r.fields}
			break
		}
		if !found {
			return nil, &source.ParseError{File: names[i], Err: errors.New("not an OFAC file name: want sdn.xml, consolidated.xml (any name, by content), " +
				"or a CSV set: sdn.csv with add.csv, alt.csv, sdn_comments.csv, or cons_prim.csv with cons_add.csv, cons_alt.csv, cons_comments.csv")}
		}
	}
	if set.files[ofacPrimary] == nil {
		want := "sdn.csv"
		if set.family == "Consolidated" {
			want = "cons_prim.csv"
		}
		return nil, &source.ParseError{File: names[0], Err: fmt.Errorf("a CSV set without its main file %s", want)}
	}
	return set, nil
}

// ofacCSVEntry is an entry of the main file while the set is read: its
// remarks stay raw until sdn_comments.csv has added their continuation.
type ofacCSVEntry struct {
	e         *tracker.Entity
	cols      *[9]string // the main file's columns from sdn_type to vess_owner, kept for the parallel pass
	remarks   string
	line      int
	continued bool     // sdn_comments.csv had a row for it
	extra     []string // remarks of its alt.csv and add.csv rows
}

// ofacRemarksMax is the length, in characters, at which the main file cuts
// remarks; the rest goes to sdn_comments.csv.
const ofacRemarksMax = 1000

func (r *ofacCSVRead) parse(ctx context.Context, set *ofacCSVSet) (*source.Publication, error) {
	pub, err := r.read(ctx, set)
	if err != nil {
		return nil, err
	}
	pub.Sealed, pub.Unsealed = set.sealed()
	if r.done == ofacDoneEntity {
		return source.FinishCanonical(set.files[ofacPrimary].name, pub)
	}
	return source.Finish(set.files[ofacPrimary].name, pub)
}

// ofacDone is how far the parts read each entry of the main file (see
// primaryParts): as far as the other files of the set let them.
type ofacDone int

const (
	ofacDoneRow     ofacDone = iota // the row only: sdn_comments.csv adds to the remarks
	ofacDoneColumns                 // columns and remarks: add.csv or alt.csv add to the entity
	ofacDoneEntity                  // canonicalized: nothing adds to the entity
)

func (r *ofacCSVRead) read(ctx context.Context, set *ofacCSVSet) (*source.Publication, error) {
	done := ofacDoneEntity
	switch {
	case set.files[ofacComments] != nil:
		done = ofacDoneRow
	case set.files[ofacAdd] != nil || set.files[ofacAlt] != nil:
		done = ofacDoneColumns
	}
	if done != ofacDoneEntity {
		r.memo.forget() // the lines' entities depend on the other files
		r.memo = nil
	}
	if err := r.primary(ctx, done); err != nil {
		return nil, err // only the sequential read fails, and it forgot
	}
	if err := r.details(ctx, set.files[ofacComments], ofacCSVComment); err != nil {
		return nil, err
	}
	if r.done < ofacDoneColumns {
		// Each entry is read on its own from here to its remarks, so the
		// work is shared among the cores; the reads above had to be in
		// file order.
		source.InParallel(len(r.entries), func(lo, hi int) {
			var b ofacRemarksBuf
			for _, ent := range r.entries[lo:hi] {
				ent.columns(ent.cols, &b)
				ent.cols = nil
			}
		})
	}
	if err := r.addenda(ctx, set.files[ofacAdd], "add_num", ofacCSVAddress); err != nil {
		return nil, err
	}
	if err := r.addenda(ctx, set.files[ofacAlt], "alt_num", ofacCSVAlias); err != nil {
		return nil, err
	}
	return r.publication(), nil
}

// ofacCSVRead is one read of a CSV set: the entries of the main file, in
// its order, and how to find them by ent_num, which every row of the
// other files names.
type ofacCSVRead struct {
	prim     *ofacCSVFile
	entries  []*ofacCSVEntry
	entities []*tracker.Entity        // instead of entries when the parts did the entities: ofacDoneEntity
	byID     map[string]*ofacCSVEntry // filled by the sequential path only: see entry
	rows     int                      // read so far in all files, to look at the context now and then

	done       ofacDone // how far the entries are read
	sequential bool     // read the main file in one part the way any file is read, as tests compare
	parts      int      // the number of parts to read a plain main file in; 0: one per core, for a large file
	alloc      ofacEntryAlloc
	memo       *Reader // the lines of the last main file read on its own, or nil
}

// ofacEntryAlloc allocates entries and entities ofacBlock at a time: one
// allocation each per row was a tenth of the parse's.
type ofacEntryAlloc struct {
	entryBlock  []ofacCSVEntry
	entityBlock []tracker.Entity
	colsBlock   [][9]string
}

// keep copies the columns of a main file's record that are read on the
// parallel pass.
func (a *ofacEntryAlloc) keep(rec []string) *[9]string {
	if len(a.colsBlock) == 0 {
		a.colsBlock = make([][9]string, ofacBlock)
	}
	cols := &a.colsBlock[0]
	a.colsBlock = a.colsBlock[1:]
	copy(cols[:], rec[2:11])
	return cols
}

const ofacBlock = 256

// newEntity returns a zero entity, for the parts that keep no entry.
func (a *ofacEntryAlloc) newEntity() *tracker.Entity {
	if len(a.entityBlock) == 0 {
		a.entityBlock = make([]tracker.Entity, ofacBlock)
	}
	e := &a.entityBlock[0]
	a.entityBlock = a.entityBlock[1:]
	return e
}

// newEntry returns an entry of the main file and its entity, zero.
func (a *ofacEntryAlloc) newEntry() *ofacCSVEntry {
	if len(a.entryBlock) == 0 {
		a.entryBlock, a.entityBlock = make([]ofacCSVEntry, ofacBlock), make([]tracker.Entity, ofacBlock)
	}
	ent := &a.entryBlock[0]
	ent.e = &a.entityBlock[0]
	a.entryBlock, a.entityBlock = a.entryBlock[1:], a.entityBlock[1:]
	return ent
}

func newOFACCSVRead(prim *ofacCSVFile) *ofacCSVRead {
	return &ofacCSVRead{prim: prim}
}

func (r *ofacCSVRead) tick(ctx context.Context) error {
	if r.rows++; r.rows%ofacCtxEvery == 0 {
		return ctx.Err()
	}
	return nil
}

// primary reads the main file, one entry a row: in parts at once if it
// is plain (see primaryParts), each entry as far as done, else in file
// order (primarySeq).
func (r *ofacCSVRead) primary(ctx context.Context, done ofacDone) error {
	if !r.sequential {
		// A 0x1A left inside, or text that is not UTF-8, is an error
		// the sequential path reports.
		data := ofacCSVTrim(r.prim.data)
		if bytes.IndexByte(data, 0x1a) < 0 && r.primaryParts(ctx, data, done) {
			return nil
		}
	}
	r.memo.forget()
	r.memo = nil
	return r.primarySeq(ctx)
}

// primarySeq reads the main file in file order. Its columns past the name
// are only kept here, to be read on the parallel pass (columns).
func (r *ofacCSVRead) primarySeq(ctx context.Context) error {
	// About 260 bytes a row in the real files.
	r.entries = make([]*ofacCSVEntry, 0, len(r.prim.data)/200)
	r.byID = make(map[string]*ofacCSVEntry, len(r.prim.data)/200)
	return ofacReadCSV(r.prim, func(rec []string, line int) error {
		if err := r.tick(ctx); err != nil {
			return err
		}
		id, err := ofacEntNum(rec[0])
		if err != nil {
			return err
		}
		if prev, dup := r.byID[id]; dup {
			return fmt.Errorf("ent_num %s again (first on line %d)", id, prev.line)
		}
		name := ofacVal(rec[1])
		if name == "" {
			return fmt.Errorf("ent_num %s has no name", id)
		}
		ent := r.alloc.newEntry()
		ent.e.ID, ent.e.Name = id, name
		ent.remarks, ent.line = ofacRawRemarks(rec[11]), line
		ent.cols = r.alloc.keep(rec)
		r.entries = append(r.entries, ent)
		r.byID[id] = ent
		return nil
	})
}

// details reads f, a file of the set whose rows add to the main file's
// entries, and calls fn with each row and the entry its first column,
// ent_num, names. A set without the file (nil) reads as one without rows.
func (r *ofacCSVRead) details(ctx context.Context, f *ofacCSVFile, fn func(ent *ofacCSVEntry, rec []string) error) error {
	if f == nil {
		return nil
	}
	return ofacReadCSV(f, func(rec []string, _ int) error {
		if err := r.tick(ctx); err != nil {
			return err
		}
		id, err := ofacEntNum(rec[0])
		if err != nil {
			return err
		}
		ent, ok := r.entry(id)
		if !ok {
			return fmt.Errorf("ent_num %s is not in %s", id, r.prim.name)
		}
		return fn(ent, rec)
	})
}

// addenda reads add.csv or alt.csv: details whose rows have a number of
// their own in the second column, named numCol, and a remark of the entry
// in the last.
func (r *ofacCSVRead) addenda(ctx context.Context, f *ofacCSVFile, numCol string, fn func(ent *ofacCSVEntry, rec []string) error) error {
	return r.details(ctx, f, func(ent *ofacCSVEntry, rec []string) error {
		if _, err := ofacNumber(numCol, rec[1]); err != nil {
			return err
		}
		if err := fn(ent, rec); err != nil {
			return err
		}
		if rm := ofacVal(rec[len(rec)-1]); rm != "" {
			ent.extra = append(ent.extra, rm)
		}
		return nil
	})
}

// publication puts the remarks of the add.csv and alt.csv rows after the
// entry's own and returns the entries in the main file's order.
func (r *ofacCSVRead) publication() *source.Publication {
	if r.done == ofacDoneEntity {
		return &source.Publication{Entities: r.entities}
	}
	pub := &source.Publication{Entities: make([]*tracker.Entity, len(r.entries))}
	for i, ent := range r.entries {
		if len(ent.extra) > 0 {
			ent.e.Remarks = strings.Join(append(ofacNonEmpty(ent.e.Remarks), ent.extra...), "; ")
		}
		pub.Entities[i] = ent.e
	}
	return pub
}

// ofacCSVComment reads a sdn_comments.csv row. The main file cuts remarks
// at 1000 characters, mid-word; the comment row holds the rest, to be
// joined as it is.
func ofacCSVComment(ent *ofacCSVEntry, rec []string) error {
	ent.remarks += ofacRawRemarks(rec[1])
	ent.continued = true
	return nil
}

// columns reads what the main file's row kept for the parallel pass: the
// columns, then the remarks, marked when the main file cut them and no
// sdn_comments.csv row gave the rest.
func (ent *ofacCSVEntry) columns(cols *[9]string, b *ofacRemarksBuf) {
	ofacCSVColumns(ent.e, cols, b)
	cut := !ent.continued && len(ent.remarks) >= ofacRemarksMax && utf8.RuneCountInString(ent.remarks) >= ofacRemarksMax
	ofacRemarks(ent.e, ent.remarks, cut, b) // after the columns: it drops items that repeat the title
	if cut {
		if ent.e.Attrs == nil {
			ent.e.Attrs = map[string]string{}
		}
		ent.e.Attrs[tracker.AttrRemarksCut] = strconv.Itoa(ofacRemarksMax)
	}
}

// ofacCSVAddress reads an add.csv row. OFAC writes city, state or province
// and postal code into one column ("St. Petersburg, Russia 197229") that
// cannot be split back reliably, so it is kept whole as the city.
func ofacCSVAddress(ent *ofacCSVEntry, rec []string) error {
	ent.e.Addresses = append(ent.e.Addresses, tracker.Address{
		Street:  ofacVal(rec[2]),
		City:    ofacVal(rec[3]),
		Country: ofacVal(rec[4]),
	})
	return nil
}

// ofacCSVAlias reads an alt.csv row. alt.csv lists the aliases sdn.xml
// marks "strong"; the weak ones are only in the remarks (see ofacRemarks).
func ofacCSVAlias(ent *ofacCSVEntry, rec []string) error {
	name := ofacVal(rec[3])
	if name == "" {
		return fmt.Errorf("alias %s of ent_num %s has no name", strings.TrimSpace(rec[1]), ent.e.ID)
	}
	ent.e.Aliases = append(ent.e.Aliases, tracker.Alias{Name: name, Type: ofacAliasType(ofacVal(rec[2])), Strength: "strong"})
	return nil
}

// ofacCSVColumns reads a main file row's columns from sdn_type to
// vess_owner into its entity.
func ofacCSVColumns(e *tracker.Entity, c *[9]string, b *ofacRemarksBuf) {
	e.Kind = ofacKind(ofacVal(c[0]))
	b.split = ofacPrograms(b.split[:0], ofacVal(c[1]))
	e.Programs = ofacAppendExact(&b.strs, nil, b.split)
	b.split = ofacAppendPositions(b.split[:0], ofacVal(c[2]))
	e.Positions = ofacAppendExact(&b.strs, nil, b.split)
	ofacVessel(e, ofacVal(c[3]), ofacVal(c[4]), ofacVal(c[5]), ofacVal(c[6]), ofacVal(c[7]), ofacVal(c[8]))
}

func ofacNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// ofacReadCSV reads every record of one file of the set, checking its
// column count, and calls fn with the record and its line. An error from
// fn is located at that record.
//
// Records are read as encoding/csv reads them, field for field and line
// for line, but the lines every real file is made of (each field quoted
// on one line or unquoted without quotes, no doubled quotes) are split
// here, as substrings of one copy of the file: encoding/csv would copy
// and allocate each record again, which made it the largest part of the
// parse. From the first line that is anything else, encoding/csv reads
// the rest, so that an odd record reads, or fails, exactly as it would.
// FuzzOFACReadCSV holds the two to the same records and errors.
func ofacReadCSV(f *ofacCSVFile, fn func(rec []string, line int) error) error {
	data, err := ofacCSVData(f)
	if err != nil {
		return err
	}
	call := func(rec []string, line int) error {
		if err := fn(rec, line); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("parse %s: %w", f.name, err)
			}
			return &source.ParseError{File: f.name, Pos: fmt.Sprintf("line %d", line), Err: err}
		}
		return nil
	}
	text := string(data)
	rec := make([]string, f.fields)
	off, line := 0, 1 // the first byte not read yet, and its line
	for off < len(text) {
		n := strings.IndexByte(text[off:], '\n')
		if n < 0 {
			break // a last line without a line break: see below
		}
		// encoding/csv drops a line's final "\r\n" and skips empty lines.
		if l := strings.TrimSuffix(text[off:off+n], "\r"); l != "" {
			if !ofacSplitLine(l, rec) {
				break
			}
			if err := call(rec, line); err != nil {
				return err
			}
		}
		off += n + 1
		line++
	}
	if off == len(text) {
		return nil
	}
	r := csv.NewReader(strings.NewReader(text[off:]))
	r.FieldsPerRecord = f.fields
	r.ReuseRecord = true
	// A file whose last line has no line break may have lost its last
	// bytes. The real archive copy of the 2019 add.csv ends in "-0"
	// instead of "-0- " that way; only an empty-value marker can be cut
	// so without a CSV error, and nothing is lost by reading it as empty.
	unterminated := data[len(data)-1] != '\n'
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return ofacCSVError(f, data, rec, ofacShiftLines(err, line-1))
		}
		at, _ := r.FieldPos(0)
		if unterminated && int64(off)+r.InputOffset() == int64(len(data)) {
			if last := rec[len(rec)-1]; last != "" && strings.HasPrefix("-0- ", last) {
				rec[len(rec)-1] = "-0-"
			}
		}
		if err := call(rec, line-1+at); err != nil {
			return err
		}
	}
}

// ofacSplitLine splits a line without its line break into rec's fields
// if it is a record that encoding/csv would read into exactly those
// fields: len(rec) of them, each either quoted, with no quote inside, or
// unquoted, with none at all. Otherwise it reports false and the line is
// left to encoding/csv.
func ofacSplitLine(l string, rec []string) bool {
	i := 0
	for n := range rec {
		// "-0- ", OFAC's empty value, is most of the unquoted fields.
		if len(l)-i >= 4 && l[i:i+4] == "-0- " && (len(l)-i == 4 || l[i+4] == ',') {
			rec[n] = l[i : i+4]
			i += 4
		} else if i < len(l) && l[i] == '"' {
			j := strings.IndexByte(l[i+1:], '"')
			if j < 0 {
				return false // a field over more than one line
			}
			rec[n] = l[i+1 : i+1+j]
			i += j + 2
		} else {
			j := i
			for j < len(l) && l[j] != ',' {
				if l[j] == '"' {
					return false
				}
				j++
			}
			rec[n] = l[i:j]
			i = j
		}
		if i == len(l) {
			return n == len(rec)-1
		}
		if l[i] != ',' {
			return false // a doubled quote, or text after a closing one
		}
		i++
	}
	return false // more fields than rec holds
}

// ofacShiftLines adds skipped lines to the lines of a CSV error from a
// reader that started that many lines into the file.
func ofacShiftLines(err error, skipped int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	shifted := *pe
	shifted.StartLine += skipped
	shifted.Line += skipped
	return &shifted
}

// ofacCSVData strips what surrounds the records: a byte order mark, and
// the DOS end-of-file byte 0x1A that OFAC's files end with. That byte is
// accepted only at the very end: anywhere else it means a damaged or
// spliced file. The records must be UTF-8, as every file OFAC published
// since 2019 is.
func ofacCSVData(f *ofacCSVFile) ([]byte, error) {
	data := ofacCSVTrim(f.data)
	if i := bytes.IndexByte(data, 0x1a); i >= 0 {
		line := bytes.Count(data[:i], []byte("\n")) + 1
		return nil, &source.ParseError{File: f.name, Pos: fmt.Sprintf("line %d (offset %d)", line, i), Err: errors.New("DOS end-of-file byte 0x1A before the end of the file: damaged or spliced")}
	}
	if ofacPlainASCII(data) {
		return data, nil // what CheckUTF8 accepts, proved faster
	}
	if err := source.CheckUTF8(f.name, data, len(f.data)-len(bytes.TrimPrefix(f.data, []byte("\xef\xbb\xbf")))); err != nil {
		return nil, err
	}
	return data, nil
}

// ofacCSVTrim strips a byte order mark and the 0x1A bytes at the end.
func ofacCSVTrim(data []byte) []byte {
	return bytes.TrimRight(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), "\x1a")
}

// ofacPlainASCII reports whether data is printable ASCII, tab, line feed
// and carriage return only, as every real OFAC CSV file is: such text is
// valid UTF-8 without control characters, so source.CheckUTF8 would pass
// it. It looks at 32 bytes at a time, where CheckUTF8 looks at each.
func ofacPlainASCII[T string | []byte](data T) bool {
	i := 0
	for ; i+32 <= len(data); i += 32 {
		w := data[i : i+32]
		if ofacOddBytes(ofacWord(w[:8]))|ofacOddBytes(ofacWord(w[8:16]))|
			ofacOddBytes(ofacWord(w[16:24]))|ofacOddBytes(ofacWord(w[24:32])) != 0 &&
			!ofacPlainASCIIBytes(w) {
			return false
		}
	}
	return ofacPlainASCIIBytes(data[i:])
}

// ofacWord reads 8 bytes as a little-endian word: one load, for either
// type of text.
func ofacWord[T string | []byte](b T) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// ofacOddBytes is not zero if a byte of x is below 0x20 or above 0x7E
// ("Bit Twiddling Hacks": hasless, hasmore); it may also be for a word
// without one, which then goes to the exact test.
func ofacOddBytes(x uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	return ((x-ones*0x20)&^x | (x + ones*(0x7f-0x7e)) | x) & highs
}

func ofacPlainASCIIBytes[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; (c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func ofacCSVError(f *ofacCSVFile, data []byte, rec []string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &source.ParseError{File: f.name, Err: err}
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return &source.ParseError{File: f.name, Pos: fmt.Sprintf("line %d", pe.StartLine),
			Err: fmt.Errorf("%d fields, want %d: a record cut short, or not an OFAC %s", len(rec), f.fields, ofacBase(f.name))}
	case errors.Is(pe.Err, csv.ErrQuote) && data[len(data)-1] != '\n' && pe.Line == bytes.Count(data, []byte("\n"))+1:
		return &source.ParseError{File: f.name, Pos: fmt.Sprintf("line %d", pe.StartLine),
			Err: errors.New("file ends inside a quoted field: truncated")}
	default:
		return &source.ParseError{File: f.name, Pos: fmt.Sprintf("line %d col %d", pe.Line, pe.Column), Err: pe.Err}
	}
}

// ofacBase is the role part of a file name: "2024-05-03.sdn.csv" → "sdn.csv".
func ofacBase(name string) string {
	lower := strings.ToLower(name)
	for _, r := range ofacCSVRoles {
		if lower == r.base || strings.HasSuffix(lower, "."+r.base) {
			return r.base
		}
	}
	return name
}

// ofacVal reads a CSV value: "-0-", often with a trailing space, is OFAC's
// empty value.
func ofacVal(s string) string {
	if s == "-0- " { // most of the values of the main file: no need to trim
		return ""
	}
	s = ofacTrim(s)
	if s == "-0-" {
		return ""
	}
	return s
}

// ofacRawRemarks keeps remarks untrimmed: a remark cut at the column's
// length may end in the space its continuation needs.
func ofacRawRemarks(s string) string {
	if ofacTrim(s) == "-0-" {
		return ""
	}
	return s
}

func ofacEntNum(s string) (string, error) { return ofacNumber("ent_num", s) }

// ofacNumber checks a key column: OFAC's keys are numbers, and anything
// else there means the file is not what its name says.
func ofacNumber(col, s string) (string, error) {
	t := ofacTrim(s)
	if t == "" {
		return "", fmt.Errorf("empty %s", col)
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return "", fmt.Errorf("%s %q is not a number", col, t)
		}
	}
	return t, nil
}

// ofacPrograms appends to out the programmes of "CYBER2] [NPWMD": the
// column is the bracketed list of the PDF list with its outer brackets
// dropped.
func ofacPrograms(out []string, s string) []string {
	if s == "" {
		return out
	}
	for p := range strings.SplitSeq(s, "] [") {
		if p = ofacTrim(strings.Trim(p, "[] ")); p != "" {
			out = append(out, p)
		}
	}
	return out
}
