package ofac

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// The main file of every real CSV set is plainly formed: each line one
// record that ofacSplitLine splits, ent_nums rising from line to line,
// every entry named. Such a file cannot fail to parse, and its entries do
// not depend on one another, so it is read in parts on all cores at once
// (primaryParts). Anything else about the file, the first odd line or an
// ent_num out of order, and the parts' work is thrown away and the file
// is read from the start by the sequential path (primarySeq), which finds
// the same first error at the same line as ever. FuzzParseOFACParts holds
// the two paths to the same publication or error.
//
// Rising ent_nums also prove them unique without a map, and let the other
// files of the set find an entry by binary search.

// ofacPartsMin is the shortest main file worth reading in parts.
const ofacPartsMin = 64 << 10

// ofacCSVPart is a run of whole lines of the main file, read on a
// goroutine of its own: checked to be UTF-8 without control characters,
// and copied into a string its entities' strings are cut from.
type ofacCSVPart struct {
	data     []byte
	text     string
	entities []*tracker.Entity
	entries  []*ofacCSVEntry // unless the entities are done: ofacDoneEntity
	lines    int             // line breaks read
	rows     int             // records read
	ok       bool            // every line was plain

	memo       *ofacMemoCursor // when the entities are done: where the part is in the last main file
	remembered []ofacMemoLine  // with a memo: each line read, its entity nil where parsed here
}

// primaryParts reads the main file in parts, each entry as far as done,
// and reports whether it was plain; if not, r is as it was.
func (r *ofacCSVRead) primaryParts(ctx context.Context, data []byte, done ofacDone) bool {
	n := r.parts
	if n == 0 {
		n = 1
		if len(data) >= ofacPartsMin {
			n = runtime.GOMAXPROCS(0)
		}
	}
	parts := ofacSplitParts(data, n)
	if done == ofacDoneEntity && r.memo != nil {
		for i := range parts {
			parts[i].memo = &ofacMemoCursor{lines: r.memo.lines}
		}
	}
	var wg sync.WaitGroup
	for i := range parts {
		if i > 0 {
			wg.Go(func() { parts[i].read(ctx, done) })
		}
	}
	parts[0].read(ctx, done)
	wg.Wait()

	last := ""
	total := 0
	for i := range parts {
		p := &parts[i]
		if !p.ok || len(p.entities) > 0 && !ofacIDBefore(last, p.entities[0].ID) {
			return false
		}
		if len(p.entities) > 0 {
			last = p.entities[len(p.entities)-1].ID
		}
		total += len(p.entities)
		r.rows += p.rows
	}
	r.done = done
	if parts[0].memo != nil {
		r.memo.commit(parts)
	}
	if done == ofacDoneEntity {
		r.entities = make([]*tracker.Entity, 0, total)
		for i := range parts {
			r.entities = append(r.entities, parts[i].entities...)
		}
		return true
	}
	r.entries = make([]*ofacCSVEntry, 0, total)
	line := 0 // line breaks before the part
	for i := range parts {
		for _, ent := range parts[i].entries {
			ent.line += line
		}
		line += parts[i].lines
		r.entries = append(r.entries, parts[i].entries...)
	}
	return true
}

// ofacSplitParts cuts text into n runs of whole lines of about the same
// length; the last takes whatever follows the last line break.
func ofacSplitParts(data []byte, n int) []ofacCSVPart {
	parts := make([]ofacCSVPart, 0, n)
	start := 0
	for i := 1; i < n; i++ {
		end := max(start, len(data)*i/n)
		nl := bytes.IndexByte(data[end:], '\n')
		if nl < 0 {
			break
		}
		end += nl + 1
		parts = append(parts, ofacCSVPart{data: data[start:end]})
		start = end
	}
	return append(parts, ofacCSVPart{data: data[start:]})
}

// read reads the part's lines as ofacReadCSV reads plain ones, and
// stops at the first line that is not plain or whose record the
// sequential path would refuse.
func (p *ofacCSVPart) read(ctx context.Context, done ofacDone) {
	var (
		rec     [12]string
		alloc   ofacEntryAlloc
		b       ofacRemarksBuf
		last    string
		scratch ofacCSVEntry // the entry of an entity done here, not kept
	)
	p.text = string(p.data)
	utf8Checked := false
	p.entities = make([]*tracker.Entity, 0, len(p.text)/200)
	for off := 0; off < len(p.text); {
		n := strings.IndexByte(p.text[off:], '\n')
		if n < 0 {
			return // a last line without a line break: encoding/csv reads it
		}
		if l := strings.TrimSuffix(p.text[off:off+n], "\r"); l != "" {
			// What ofacCSVData checks of the whole file, a part checks
			// line by line (the line breaks are plain ASCII), and of the
			// whole part at the first line that is not plain ASCII: a
			// character never spans a line break.
			if !utf8Checked && !ofacPlainASCII(l) {
				if source.CheckUTF8("", p.data, 0) != nil {
					return
				}
				utf8Checked = true
			}
			if p.rows++; p.rows%ofacCtxEvery == 0 && ctx.Err() != nil {
				return
			}
			if m := p.memo.find(l); m != nil {
				// The same line gave this entity, so it passed the checks
				// below then; only its place among the lines is new.
				if !ofacIDBefore(last, m.id) {
					return
				}
				last = m.id
				p.entities = append(p.entities, m.e)
				p.remember(l, m.id, m.e)
				off += n + 1
				p.lines++
				continue
			}
			if !ofacSplitLine(l, rec[:]) {
				return
			}
			id, err := ofacEntNum(rec[0])
			name := ofacVal(rec[1])
			if err != nil || name == "" || !ofacIDBefore(last, id) {
				return
			}
			last = id
			ent := &scratch
			if done == ofacDoneEntity {
				scratch = ofacCSVEntry{e: alloc.newEntity()}
			} else {
				ent = alloc.newEntry()
				p.entries = append(p.entries, ent)
			}
			p.entities = append(p.entities, ent.e)
			ent.e.ID, ent.e.Name = id, name
			ent.remarks, ent.line = ofacRawRemarks(rec[11]), p.lines+1
			switch done {
			case ofacDoneRow:
				ent.cols = alloc.keep(rec[:])
			case ofacDoneColumns:
				ent.columns((*[9]string)(rec[2:11]), &b)
			case ofacDoneEntity:
				ent.columns((*[9]string)(rec[2:11]), &b)
				ent.e.Canonicalize()
				p.remember(l, id, nil)
			}
		}
		off += n + 1
		p.lines++
	}
	p.ok = true
}

// ofacIDBefore reports whether ent_num a comes before b: numbers without
// leading zeros compare by length first. Any two ent_nums compare so, and
// unequal ones never compare equal, so rising ent_nums are unique. "" is
// before all.
func ofacIDBefore(a, b string) bool {
	return ofacCompareIDs(a, b) < 0
}

func ofacCompareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// entry finds the entry of an ent_num: in the map the sequential path
// fills, or else by binary search, since primaryParts only succeeds with
// rising ent_nums.
func (r *ofacCSVRead) entry(id string) (*ofacCSVEntry, bool) {
	if r.byID != nil {
		ent, ok := r.byID[id]
		return ent, ok
	}
	i, ok := slices.BinarySearchFunc(r.entries, id, func(ent *ofacCSVEntry, id string) int {
		return ofacCompareIDs(ent.e.ID, id)
	})
	if !ok {
		return nil, false
	}
	return r.entries[i], true
}
