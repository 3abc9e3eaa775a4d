package match

import (
	"encoding/binary"
	"errors"

	"github.com/cybersanctions/tracker"
)

// Facts are what Compare reads of a Prepared entity, in a compact form the
// store keeps next to its keys: comparing a new designation with its
// candidates then decodes a few hundred bytes each instead of whole entity
// versions, and normalises no name twice.
//
// The form is a version byte, then the kind, a person flag, the names
// (their tokens; skeletons are recomputed), the identifiers, birth dates,
// nationalities and countries, each string length-prefixed. A form the
// code does not know is an error, never a guess.
const factsVersion = 1

var errFacts = errors.New("match: unreadable facts")

// AppendFacts appends p's facts to b.
func (p *Prepared) AppendFacts(b []byte) []byte {
	b = append(b, factsVersion)
	b = appendString(b, string(p.Kind))
	if p.Person {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Names)))
	for _, n := range p.Names {
		b = appendStrings(b, n.Tokens)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Idents)))
	for _, id := range p.Idents {
		b = appendString(b, string(id.Class))
		b = appendString(b, id.Value)
		b = appendString(b, id.Type)
		b = appendStrings(b, id.Countries)
	}
	b = appendStrings(b, p.BirthDates)
	b = appendStrings(b, p.Nationalities)
	return appendStrings(b, p.Countries)
}

// DecodeFacts returns the Prepared that AppendFacts encoded, without its
// Entity.
func DecodeFacts(b []byte) (*Prepared, error) {
	d := factsDecoder{b: b}
	if v := d.byte(); v != factsVersion {
		return nil, errFacts
	}
	p := &Prepared{Kind: tracker.Kind(d.string())}
	p.Person = d.byte() == 1
	if n := d.count(); n > 0 {
		p.Names = make([]Name, n)
		for i := range p.Names {
			toks := d.strings()
			sk := make([]string, len(toks))
			for j, t := range toks {
				sk[j] = Skeleton(t)
			}
			sortStrings(sk)
			p.Names[i] = Name{Tokens: toks, Skeletons: sk}
		}
	}
	if n := d.count(); n > 0 {
		p.Idents = make([]Ident, n)
		for i := range p.Idents {
			p.Idents[i] = Ident{Class: Class(d.string()), Value: d.string(), Type: d.string(), Countries: d.strings()}
		}
	}
	p.BirthDates = d.strings()
	p.Nationalities = d.strings()
	p.Countries = d.strings()
	if d.bad || len(d.b) != 0 {
		return nil, errFacts
	}
	return p, nil
}

// KeyHash is a blocking key as the store indexes it: 64 bits of FNV-1a.
// Two keys sharing a hash only make one more candidate, which Compare
// turns down.
func KeyHash(key string) int64 {
	// FNV-1a, as hash/fnv computes it, without a hasher to allocate.
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	return int64(h)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

type factsDecoder struct {
	b   []byte
	bad bool
}

func (d *factsDecoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// count reads a length, bounded by the bytes left so that a corrupt
// blob cannot ask for a huge allocation.
func (d *factsDecoder) count() int {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)) {
		d.bad = true
		d.b = nil
		return 0
	}
	d.b = d.b[k:]
	return int(n)
}

func (d *factsDecoder) string() string {
	n := d.count()
	if n > len(d.b) {
		d.bad = true
		d.b = nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *factsDecoder) strings() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out
}
