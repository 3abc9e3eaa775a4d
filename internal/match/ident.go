package match

import (
	"strings"

	"github.com/cybersanctions/tracker"
)

// Class is a kind of identifier that names one subject in every list that
// publishes it, so that sharing it is a strong link.
type Class string

const (
	ClassWallet   Class = "wallet"   // a crypto wallet address
	ClassIMO      Class = "imo"      // a vessel's IMO number
	ClassDocument Class = "document" // a passport or national ID number, with its country
	ClassUNRef    Class = "un"       // the UN sanctions reference
	ClassUKRef    Class = "ukref"    // the UK Sanctions List reference, shared by OFSI and FCDO
)

// Ident is a normalised strong identifier.
type Ident struct {
	Class Class
	Value string // normalised: what is compared
	// Type is the publisher's word ("Passport", "National ID No.",
	// "Digital Currency Address - XBT"), for the reason of a link.
	Type string
	// Countries issued a document: the identifier's own country, else the
	// entity's nationalities (the UK lists state none on the number).
	// Empty: unknown.
	Countries []string
}

// Key is the identifier's blocking key.
func (i Ident) Key() string { return "i:" + string(i.Class) + ":" + i.Value }

// Attribute keys the parsers set for the references (internal/source/uk).
const (
	attrUKRef = "uk_ref"
	attrUNRef = "un_ref"
)

// Identifiers returns the entity's strong identifiers, normalised. Other
// identifiers (tax and registration numbers, e-mail addresses, gender)
// are left out: they are not unique across publishers, or not identities.
func Identifiers(e *tracker.Entity) []Ident {
	var out []Ident
	nat := countries(e.Nationalities)
	for _, id := range e.Identifiers {
		t := strings.ToLower(id.Type)
		switch {
		case strings.Contains(t, "digital currency address") || strings.Contains(t, "wallet"):
			if v := walletValue(id.Value); v != "" {
				out = append(out, Ident{Class: ClassWallet, Value: v, Type: id.Type})
			}
		case t == "imo" || strings.Contains(t, "imo number") || strings.Contains(t, "vessel registration identification"):
			if v := imoValue(id.Value); v != "" {
				out = append(out, Ident{Class: ClassIMO, Value: v, Type: id.Type})
			}
		case strings.Contains(t, "passport") || strings.HasPrefix(t, "national id") ||
			strings.Contains(t, "national identification"):
			cs := nat
			if id.Country != "" {
				cs = []string{Country(id.Country)}
			}
			for _, v := range documentValues(id.Value) {
				out = append(out, Ident{Class: ClassDocument, Value: v, Type: id.Type, Countries: cs})
			}
		}
	}
	if v := refValue(e.Attrs[attrUKRef]); v != "" {
		out = append(out, Ident{Class: ClassUKRef, Value: v, Type: "UK Sanctions List reference"})
	}
	if v := refValue(e.Attrs[attrUNRef]); v != "" {
		out = append(out, Ident{Class: ClassUNRef, Value: v, Type: "UN reference"})
	}
	return out
}

// walletValue: hex addresses (Ethereum and the chains that share its
// addresses) are case-insensitive — the mixed case is only a checksum —
// so they are lower-cased; base58 (Bitcoin legacy, Tron) and bech32
// addresses are compared exactly, since case is part of a base58 address.
func walletValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 20 || strings.ContainsAny(v, " \t") {
		return ""
	}
	if strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X") {
		return "0x" + strings.ToLower(v[2:])
	}
	return v
}

// imoValue returns the seven digits of an IMO number ("IMO 9502453").
func imoValue(v string) string {
	d := digits(v)
	if len(d) != 7 {
		return ""
	}
	return d
}

// documentValues splits a published document field into numbers: "(1)
// 223611 (2) C00146605" holds two; spaces, dashes and dots inside a number
// are the publisher's layout, not the number. A number must have at least
// six characters and four digits: shorter ones are not unique enough to
// link anyone.
func documentValues(v string) []string {
	v = strings.ToUpper(v)
	// "(1) x (2) y", "x; y", "x, y": several numbers.
	for _, sep := range []string{"(1)", "(2)", "(3)", "(4)", ";", ","} {
		v = strings.ReplaceAll(v, sep, "|")
	}
	var out []string
	for _, part := range strings.Split(v, "|") {
		// "TIN: 780245503097": the label is not the number.
		if i := strings.IndexByte(part, ':'); i >= 0 {
			part = part[i+1:]
		}
		var b strings.Builder
		nd := 0
	words:
		for _, w := range strings.Fields(part) {
			letters := 0
			for i := 0; i < len(w); i++ {
				c := w[i]
				switch {
				case c >= 'A' && c <= 'Z':
					letters++
				case c >= '0' && c <= '9', c == '-', c == '.', c == '/':
				default:
					// "(Afghan)", "issued on …": not the number.
					break words
				}
			}
			if letters == len(w) && letters > 2 {
				if b.Len() == 0 {
					continue // a word before the number ("No", "Passport")
				}
				break
			}
			for i := 0; i < len(w); i++ {
				c := w[i]
				if c >= '0' && c <= '9' {
					nd++
					b.WriteByte(c)
				} else if c >= 'A' && c <= 'Z' {
					b.WriteByte(c)
				}
			}
		}
		s := b.String()
		if len(s) >= 6 && nd >= 4 {
			out = append(out, s)
		}
	}
	return out
}

func refValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '.':
			b.WriteByte(c)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return b.String()
}

func digits(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

func countries(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, c := range in {
		if f := Country(c); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// WalletAddress normalises a crypto wallet address as links compare it:
// hex addresses lower-cased, base58 and bech32 ones exact; "" when it
// cannot be an address. Screening compares a counterparty's wallets so.
func WalletAddress(v string) string { return walletValue(v) }

// DocumentNumbers splits a published identifier field into the numbers
// links compare (upper-case letters and digits, layout taken off, at
// least six characters and four digits). Screening reads a
// counterparty's identifiers the same way.
func DocumentNumbers(v string) []string { return documentValues(v) }
