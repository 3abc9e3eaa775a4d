package ofac

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// CyberPrograms is OFAC's family of cyber programme tags: CYBER (EO 13694),
// CYBER2 (EO 13757), and CYBER3/CYBER4 introduced in 2025.
var CyberPrograms = []string{"CYBER", "CYBER2", "CYBER3", "CYBER4"}

// Attribute keys of OFAC entities: the vessel columns of sdn.csv and the
// vesselInfo of sdn.xml, which are descriptions rather than identifiers.
const (
	ofacAttrVesselType  = "vessel_type"
	ofacAttrVesselFlag  = "vessel_flag"
	ofacAttrVesselOwner = "vessel_owner"
	ofacAttrTonnage     = "tonnage"
	ofacAttrGRT         = "grt"
)

// ofacCallSign is the identifier type of a vessel's call sign, which both
// formats carry in a column or element of its own.
const ofacCallSign = "Call Sign"

// ofacCtxEvery is how many records a parser reads between checks of its
// context.
const ofacCtxEvery = 1000

// Parse reads one publication of the SDN or the Consolidated (non-SDN)
// list, in either of OFAC's legacy formats:
//
//   - one XML file (sdn.xml, consolidated.xml), recognised by content;
//   - a CSV set, recognised by file name: sdn.csv (required) with add.csv,
//     alt.csv and sdn_comments.csv, or cons_prim.csv (required) with
//     cons_add.csv, cons_alt.csv and cons_comments.csv. Names may carry a
//     prefix ("2024-05-03.sdn.csv") and any letter case ("SDN.CSV").
//
// Both formats give the same entity for the same facts as far as the CSV
// carries them: see ofac_remarks.go for how the CSV's remarks are read back
// into the fields the XML publishes as lists.
func Parse(ctx context.Context, files []source.RawFile) (*source.Publication, error) {
	return parse(ctx, files, nil)
}

// parse is Parse, with memo the memory of a Reader, or nil.
func parse(ctx context.Context, files []source.RawFile, memo *Reader) (*source.Publication, error) {
	if len(files) == 0 {
		return nil, &source.ParseError{File: "ofac", Err: errors.New("no files: want sdn.xml, consolidated.xml or a CSV set")}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parse OFAC list: %w", err)
	}
	names := make([]string, len(files))
	xmlAt := -1
	for i, f := range files {
		names[i] = ofacFileName(f)
		if ofacIsMarkup(f.Data) {
			xmlAt = i
		}
	}
	if xmlAt >= 0 {
		memo.forget()
		if len(files) > 1 {
			return nil, &source.ParseError{File: names[xmlAt], Err: fmt.Errorf("markup in a set of %d files: want one OFAC XML file on its own, or a CSV set", len(files))}
		}
		pub, err := parseOFACXML(ctx, names[0], files[0].Data)
		if err != nil {
			return nil, err
		}
		return source.Finish(names[0], pub)
	}
	set, err := ofacCSVSetOf(files, names)
	if err != nil {
		return nil, err
	}
	r := newOFACCSVRead(set.files[ofacPrimary])
	r.memo = memo
	return r.parse(ctx, set)
}

func ofacFileName(f source.RawFile) string {
	if f.Name != "" {
		return path.Base(strings.ReplaceAll(f.Name, "\\", "/"))
	}
	if f.Origin != "" {
		if b := path.Base(strings.SplitN(f.Origin, "?", 2)[0]); b != "." && b != "/" {
			return b
		}
	}
	return "ofac"
}

// ofacIsMarkup sniffs XML (or an HTML page in its place): the first byte
// after a byte order mark and white space is '<'. The legacy CSV files
// start with an ent_num, so the two cannot be confused.
func ofacIsMarkup(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '<'
}

// ofacTrim is strings.TrimSpace without its call for what nearly every
// value is: text that starts and ends with printable ASCII, of which no
// space can be a part.
func ofacTrim(s string) string {
	if n := len(s); n > 0 && s[0]-0x21 < 0x5f && s[n-1]-0x21 < 0x5f {
		return s
	}
	return strings.TrimSpace(s)
}

// ofacKind maps the SDN type. An individual's CSV type is "individual", an
// entity's is empty ("-0-"); the XML spells them "Individual" and "Entity".
// A type OFAC adds later is kept as published, not guessed.
func ofacKind(sdnType string) tracker.Kind {
	switch t := strings.ToLower(ofacTrim(sdnType)); t {
	case "individual":
		return tracker.KindPerson
	case "", "entity":
		return tracker.KindEntity
	case "vessel":
		return tracker.KindVessel
	case "aircraft":
		return tracker.KindAircraft
	default:
		return tracker.Kind(t)
	}
}

// ofacAliasType maps "a.k.a." (XML, CSV remarks) and "aka" (alt.csv) alike.
func ofacAliasType(t string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(t), ".", ""))
}

// ofacName joins an XML entry's or alias's names the way the CSV publishes
// them: "LAST, First" when there is a first name, else the name alone.
func ofacName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	switch {
	case first == "":
		return last
	case last == "":
		return first
	default:
		return last + ", " + first
	}
}

func ofacSetAttr(e *tracker.Entity, key, value string) {
	if value = ofacTrim(value); value == "" {
		return
	}
	if e.Attrs == nil {
		e.Attrs = make(map[string]string, 4)
	}
	e.Attrs[key] = value
}

// ofacVessel records the vessel details both formats carry outside the
// remarks: the call sign is an identifier, the rest describe the vessel.
func ofacVessel(e *tracker.Entity, callSign, vesselType, tonnage, grt, flag, owner string) {
	if cs := ofacTrim(callSign); cs != "" {
		e.Identifiers = append(e.Identifiers, tracker.Identifier{Type: ofacCallSign, Value: cs})
	}
	ofacSetAttr(e, ofacAttrVesselType, vesselType)
	ofacSetAttr(e, ofacAttrTonnage, tonnage)
	ofacSetAttr(e, ofacAttrGRT, grt)
	ofacSetAttr(e, ofacAttrVesselFlag, flag)
	ofacSetAttr(e, ofacAttrVesselOwner, owner)
}

// ofacPositions splits a title: OFAC joins several with "; " in one
// <title> or Title column.
func ofacPositions(title string) []string { return ofacAppendPositions(nil, title) }

func ofacAppendPositions(out []string, title string) []string {
	for t := range strings.SplitSeq(title, "; ") {
		if t = ofacTrim(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
