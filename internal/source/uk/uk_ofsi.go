package uk

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker/internal/source"
)

// OFSI's Consolidated List of Financial Sanctions Targets (ConList.csv): the
// UK list until OFSI stopped it on 2026-01-28 in favour of the FCDO UK
// Sanctions List. It is a history source only: `tracker import` reads old
// files. OFSI also published the list as .xlsx; that format is not parsed,
// the same sheet exported as CSV is (cell values are identical).
//
// One row per name, grouped by Group ID. An OFSI group listed under several
// regimes repeats its rows once per regime; the FCDO list, and so this
// parser, makes one designation per regime, identified by its UK Sanctions
// List reference, which OFSI printed in Other Information
// ("(UK Sanctions List Ref):CYB0046"). Files from before the UK list (2020)
// carry no reference: those designations are "OFSI-<Group ID>".

const ukOFSIList = "uk-ofsi-conlist"

// Columns of both ConList layouts: the 29 of 2020 and the 36 of the later
// files (2022 on, here), told apart by the columns only the later one has.
var (
	ofsiCommonColumns = []string{
		"Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title", "DOB",
		"Town of Birth", "Country of Birth", "Nationality", "Passport Details", "Position",
		"Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6",
		"Post/Zip Code", "Country", "Other Information", "Group Type", "Alias Type",
		"Regime", "Listed On", "Last Updated", "Group ID",
	}
	ofsi2020Columns = []string{"NI Number"}
	ofsiNewColumns  = []string{
		"Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language",
		"Passport Number", "National Identification Number", "National Identification Details",
		"Alias Quality", "UK Sanctions List Date Designated",
	}
)

// ParseConList parses an OFSI ConList.csv of either layout.
func ParseConList(ctx context.Context, files []source.RawFile) (*source.Publication, error) {
	if len(files) != 1 {
		return nil, fmt.Errorf("parse %s: want one file, got %d", ukOFSIList, len(files))
	}
	f := files[0]
	if source.LooksLikeHTML(f.Data) {
		return nil, &source.ParseError{File: f.Name, Err: source.HTMLPageError("", f.Data)}
	}
	if bytes.HasPrefix(f.Data, []byte("PK\x03\x04")) {
		return nil, &source.ParseError{File: f.Name, Err: errors.New("an .xlsx workbook (a zip file): only the ConList CSV is read; export the sheet as CSV")}
	}
	pub, err := parseOFSI(ctx, f)
	if err != nil {
		return nil, err
	}
	return source.Finish(f.Name, pub)
}

type ofsiCols struct {
	dates ukDates

	names                                              [6]int
	title, dob, town, countryOfBirth, nationality      int
	passportDetails, passportNumber, niNumber          int
	nidNumber, nidDetails, position                    int
	addr                                               [6]int
	postcode, country, other, kind, aliasType, quality int
	regime, listedOn, designated, lastUpdated, group   int
	nonLatin, nonLatinScript, nonLatinLang             int
}

// ofsiGroup is one Group ID: one builder per regime it is listed under.
type ofsiGroup struct {
	id      string
	regimes []ofsiRegime
	refs    []string
	// The rows of a group repeat one Other Information text; it is parsed
	// once per distinct text.
	oiText string
	oi     *ofsiOI
}

type ofsiRegime struct {
	name   string
	b      *ukBuilder
	oiText string
}

func parseOFSI(ctx context.Context, f source.RawFile) (*source.Publication, error) {
	text := ukText(f.Data)
	if err := source.CheckControls(f.Name, text, 0); err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	pub := &source.Publication{}

	first, err := r.Read()
	if err == io.EOF {
		return nil, &source.ParseError{File: f.Name, Err: errors.New("empty file")}
	}
	if err != nil {
		return nil, ukCSVError(f.Name, err)
	}
	if len(first) < 2 || ukColumnKey(first[0]) != "last updated" {
		return nil, &source.ParseError{File: f.Name, Pos: "line 1", Err: fmt.Errorf("want \"Last Updated,dd/mm/yyyy\", got %.60q: not an OFSI ConList CSV", strings.Join(first, ","))}
	}
	if pub.PublishedAt, err = source.PublicationDate(first[1], source.FormDayMonthYear); err != nil {
		return nil, &source.ParseError{File: f.Name, Pos: "line 1", Err: fmt.Errorf("the \"Last Updated\" date: %w", err)}
	}
	header, err := r.Read()
	if err != nil {
		return nil, ukCSVError(f.Name, err)
	}
	header = append([]string(nil), header...)
	headerLine, _ := r.FieldPos(0)

	// The layout is told by its own columns; every column of that layout
	// must then be there.
	probe, _, err := newUKColumns(header, nil)
	if err != nil {
		return nil, &source.ParseError{File: f.Name, Pos: fmt.Sprintf("line %d", headerLine), Err: err}
	}
	layout := ofsi2020Columns
	for _, c := range ofsiNewColumns {
		if probe.col(c) >= 0 {
			layout = ofsiNewColumns
		}
	}
	want := append(append([]string(nil), ofsiCommonColumns...), layout...)
	cols, missing, _ := newUKColumns(header, want)
	if len(missing) > 0 {
		return nil, &source.ParseError{File: f.Name, Pos: fmt.Sprintf("line %d", headerLine),
			Err: fmt.Errorf("%s: not an OFSI ConList CSV, or its format changed", ukMissing(missing))}
	}
	w := &ukWarner{list: ukOFSIList, file: f.Name}
	for _, u := range cols.unknown {
		w.warn("uk-ofsi-conlist: new column", "column", u)
	}
	c := ofsiColsOf(cols)
	c.dates = ukDates{}

	groups := map[string]*ofsiGroup{}
	var order []*ofsiGroup
	for n := 0; ; n++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ukCSVError(f.Name, err)
		}
		line, _ := r.FieldPos(0)
		if len(row) != len(header) {
			return nil, &source.ParseError{File: f.Name, Pos: fmt.Sprintf("line %d", line),
				Err: fmt.Errorf("row has %d fields, the header %d (truncated file?)", len(row), len(header))}
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		gid := strings.TrimSpace(row[c.group])
		if gid == "" {
			if ukBlankRow(row) {
				continue
			}
			return nil, &source.ParseError{File: f.Name, Pos: fmt.Sprintf("line %d", line), Err: errors.New("row without Group ID")}
		}
		g := groups[gid]
		if g == nil {
			g = &ofsiGroup{id: gid}
			groups[gid] = g
			order = append(order, g)
		}
		c.apply(g, row, line)
	}

	// OFSI has given one reference to two groups (RUS1024 in May 2022, a
	// slip corrected later). Such a reference identifies neither: both
	// groups fall back to their Group ID rather than one being picked.
	claims := map[string]int{}
	for _, g := range order {
		for _, rg := range g.regimes {
			if ref := g.refFor(rg.name); ref != "" {
				claims[ref]++
			}
		}
	}
	for _, g := range order {
		for _, rg := range g.regimes {
			ref := g.refFor(rg.name)
			rg.b.attr(ukAttrRef, ref)
			if ref != "" && claims[ref] > 1 {
				w.warn("uk-ofsi-conlist: reference given to several groups", "ref", ref)
				ref = ""
			}
			rg.b.e.ID = g.fallbackID(rg.name)
			if ref != "" {
				rg.b.e.ID = ref
			}
			if len(g.refs) > 1 {
				rg.b.attr(ukAttrGroupRefs, strings.Join(g.refs, ", "))
			}
			e, err := rg.b.build(f.Name, fmt.Sprintf("line %d (group %s, %s)", rg.b.line, g.id, rg.name))
			if err != nil {
				return nil, err
			}
			if rg.b.warnKind {
				w.warn("uk-ofsi-conlist: new group type", "type", rg.b.kindRaw)
			}
			pub.Entities = append(pub.Entities, e)
		}
	}
	pub.Drift = w.drift
	return pub, nil
}

func ofsiColsOf(cols *ukColumns) *ofsiCols {
	x := cols.col
	c := &ofsiCols{
		title: x("Title"), dob: x("DOB"), town: x("Town of Birth"), countryOfBirth: x("Country of Birth"),
		nationality: x("Nationality"), passportDetails: x("Passport Details"), passportNumber: x("Passport Number"),
		niNumber: x("NI Number"), nidNumber: x("National Identification Number"), nidDetails: x("National Identification Details"),
		position: x("Position"), postcode: x("Post/Zip Code"), country: x("Country"), other: x("Other Information"),
		kind: x("Group Type"), aliasType: x("Alias Type"), quality: x("Alias Quality"), regime: x("Regime"),
		listedOn: x("Listed On"), designated: x("UK Sanctions List Date Designated"), lastUpdated: x("Last Updated"),
		group: x("Group ID"), nonLatin: x("Name Non-Latin Script"), nonLatinScript: x("Non-Latin Script Type"),
		nonLatinLang: x("Non-Latin Script Language"),
	}
	for i := range c.names {
		c.names[i] = x(fmt.Sprintf("Name %d", i+1))
	}
	for i := range c.addr {
		c.addr[i] = x(fmt.Sprintf("Address %d", i+1))
	}
	return c
}

func (c *ofsiCols) apply(g *ofsiGroup, row []string, line int) {
	v := func(i int) string { return strings.TrimSpace(ukField(row, i)) }
	regime := v(c.regime)
	var rg *ofsiRegime
	for i := range g.regimes {
		if g.regimes[i].name == regime {
			rg = &g.regimes[i]
			break
		}
	}
	if rg == nil {
		g.regimes = append(g.regimes, ofsiRegime{name: regime, b: newUKBuilder(line, c.dates)})
		rg = &g.regimes[len(g.regimes)-1]
		rg.b.program(RegimeTitle(regime))
		rg.b.attr(ukAttrGroupID, g.id)
	}
	b := rg.b

	// OFSI's name columns run Name 6 (family name) first; the order of the
	// joined name is the FCDO's: Name 1 … Name 5, Name 6.
	var parts [6]string
	for i, ci := range c.names {
		parts[i] = row[ci]
	}
	b.addName(ukJoinName(parts[:]), v(c.aliasType), v(c.quality))
	if s := v(c.nonLatin); s != "" {
		b.addNonLatin(s, v(c.nonLatinScript), v(c.nonLatinLang))
	}
	b.attr(ukAttrTitle, v(c.title))
	b.kind(v(c.kind))
	b.dob(v(c.dob))
	if row[c.town] != "" || row[c.countryOfBirth] != "" {
		b.birthPlace(v(c.town), v(c.countryOfBirth))
	}
	// OFSI packs several nationalities or positions in one cell as
	// "(1) … (2) …"; the FCDO list gives one each.
	if n := v(c.nationality); strings.HasPrefix(n, "(1)") {
		for _, n := range ukSplitNumbered(n) {
			b.nationality(n)
		}
	} else {
		b.nationality(n)
	}
	if p := v(c.position); strings.HasPrefix(p, "(1)") {
		for _, p := range ukSplitNumbered(p) {
			b.position(p)
		}
	} else {
		b.position(p)
	}
	// The 2020 layout has only the free-text "Passport Details"; later
	// ones split the number from the details.
	if num := v(c.passportNumber); c.passportNumber >= 0 && num != "" {
		b.ident(ukIDPassport, num, v(c.passportDetails))
	} else {
		b.ident(ukIDPassport, v(c.passportDetails), "")
	}
	if num := v(c.nidNumber); num != "" {
		b.ident(ukIDNationalID, num, v(c.nidDetails))
	} else {
		b.ident(ukIDNationalID, v(c.nidDetails), "")
	}
	b.ident(ukIDNationalID, v(c.niNumber), "")
	var lines [6]string
	for i, ci := range c.addr {
		lines[i] = row[ci]
	}
	if a := ukJoin(", ", lines[:]...); a != "" || row[c.postcode] != "" || row[c.country] != "" {
		b.address([]string{a}, v(c.postcode), v(c.country))
	}
	b.dateAttr(ukAttrListedOn, v(c.listedOn))
	b.dateAttr(ukAttrLastUpdated, v(c.lastUpdated))
	// The UK list's date of designation where OFSI gives it; before the UK
	// list existed, the date OFSI listed the group.
	if d := v(c.designated); d != "" {
		b.designated(d)
	} else {
		b.designated(v(c.listedOn))
	}

	if oi := row[c.other]; oi != rg.oiText {
		rg.oiText = oi
		if oi != g.oiText || g.oi == nil {
			g.oiText, g.oi = oi, parseOFSIOther(oi)
			for _, ref := range g.oi.refs {
				if !slices.Contains(g.refs, ref) {
					g.refs = append(g.refs, ref)
				}
			}
		}
		g.oi.apply(b)
	}
}

// refFor returns the group's UK Sanctions List reference for one of its
// regimes: the one whose prefix is the regime's (CYB for Cyber) or, for a
// group under one regime, its only reference whatever its form (OFSI gave
// UN-style references such as "SDi.005" for some). "" when there is none.
func (g *ofsiGroup) refFor(regime string) string {
	prefix := ukRegimePrefix[regime]
	if prefix != "" {
		for _, ref := range g.refs {
			if strings.HasPrefix(ref, prefix) {
				return ref
			}
		}
	}
	if len(g.regimes) == 1 && len(g.refs) > 0 {
		return g.refs[0]
	}
	// Several regimes: a regime whose prefix is unknown takes the one
	// reference no known regime claims, if exactly one is left.
	if prefix == "" {
		var free []string
		unknown := 0
		for _, ref := range g.refs {
			claimed := false
			for _, rg := range g.regimes {
				if p := ukRegimePrefix[rg.name]; p != "" && strings.HasPrefix(ref, p) {
					claimed = true
				}
			}
			if !claimed {
				free = append(free, ref)
			}
		}
		for _, rg := range g.regimes {
			if ukRegimePrefix[rg.name] == "" {
				unknown++
			}
		}
		if len(free) == 1 && unknown == 1 {
			return free[0]
		}
	}
	return ""
}

// fallbackID names the designation of a group under one regime when it has
// no UK Sanctions List reference of its own: "OFSI-<Group ID>", with the
// regime's reference prefix (or name) added when the group has several.
func (g *ofsiGroup) fallbackID(regime string) string {
	if len(g.regimes) == 1 {
		return "OFSI-" + g.id
	}
	if p := ukRegimePrefix[regime]; p != "" {
		return "OFSI-" + g.id + "-" + p
	}
	return "OFSI-" + g.id + "-" + regime
}

// ofsiOI is OFSI's "Other Information": labelled sections such as
// "(UK Sanctions List Ref):CYB0046. (UK Statement of Reasons):… (Gender):Male"
// around free text. The sections carry what the FCDO list has columns for.
type ofsiOI struct {
	refs     []string
	unRefs   []string
	free     []string
	sections []ofsiSection
}

type ofsiSection struct{ label, value string }

var ofsiLabels = map[string]func(b *ukBuilder, v string){
	"UK Statement of Reasons": func(b *ukBuilder, v string) { b.attr(ukAttrReasons, v) },
	"Gender":                  func(b *ukBuilder, v string) { b.attr(ukAttrGender, v) },
	"Phone number":            func(b *ukBuilder, v string) { b.ident(ukIDPhone, v, "") },
	"Tel":                     func(b *ukBuilder, v string) { b.ident(ukIDPhone, v, "") },
	"Fax":                     func(b *ukBuilder, v string) { b.ident(ukIDFax, v, "") },
	"Email address":           func(b *ukBuilder, v string) { b.ident(ukIDEmail, v, "") },
	"Website":                 func(b *ukBuilder, v string) { b.ident(ukIDWebsite, v, "") },
	"Type of entity":          func(b *ukBuilder, v string) { b.attr(ukAttrEntityType, v) },
	"Parent company":          func(b *ukBuilder, v string) { b.attr(ukAttrParent, v) },
	"Subsidiaries":            func(b *ukBuilder, v string) { b.attr(ukAttrSubsidiaries, v) },
	"Business Reg No":         func(b *ukBuilder, v string) { b.ident(ukIDBusinessNo, v, "") },
	"IMO number":              func(b *ukBuilder, v string) { b.ident(ukIDIMO, v, "") },
	"Current owners":          func(b *ukBuilder, v string) { b.attr(ukAttrOwners, v) },
	"Flag of ship":            func(b *ukBuilder, v string) { b.attr(ukAttrFlag, v) },
	"Previous flags":          func(b *ukBuilder, v string) { b.attr(ukAttrPreviousFlags, v) },
	"Type of ship":            func(b *ukBuilder, v string) { b.attr(ukAttrShipType, v) },
	"Tonnage of ship":         func(b *ukBuilder, v string) { b.attr(ukAttrTonnage, v) },
	"Length of ship":          func(b *ukBuilder, v string) { b.attr(ukAttrLength, v) },
	"Year built":              func(b *ukBuilder, v string) { b.attr(ukAttrYearBuilt, v) },
}

// The two reference sections start with references and may run on into
// free text: "(UN Ref):TAi.003. Active in terrorist operations …".
const (
	ofsiRefLabel   = "UK Sanctions List Ref"
	ofsiUNRefLabel = "UN Ref"
)

// ofsiRefRe matches one reference: CYB0046, or a UN-style SDi.005.
var ofsiRefRe = regexp.MustCompile(`^[A-Z]{2,4}[a-z]?\.?[0-9]+`)

// ofsiRefSep joins references in a list: "CHW0009 and CYB0011",
// "IHR0061, INU0011 and SYR0161".
var ofsiRefSep = regexp.MustCompile(`^\s*(?:,\s*and|,|and|&|;|/)\s*`)

func parseOFSIOther(s string) *ofsiOI {
	oi := &ofsiOI{}
	// Find "(Label):" markers of known labels; text in parentheses that is
	// not a known label ("(United States of America):") stays in the text.
	type mark struct {
		start, end int
		label      string
	}
	var marks []mark
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "):")
		if j < 0 {
			break
		}
		j += i
		if k := strings.LastIndexByte(s[i:j], '('); k >= 0 {
			label := s[i+k+1 : j]
			if _, ok := ofsiLabels[label]; ok || label == ofsiRefLabel || label == ofsiUNRefLabel {
				marks = append(marks, mark{i + k, j + 2, label})
			}
		}
		i = j + 2
	}
	if len(marks) == 0 {
		oi.addFree(s)
		return oi
	}
	oi.addFree(s[:marks[0].start])
	for n, m := range marks {
		end := len(s)
		if n+1 < len(marks) {
			end = marks[n+1].start
		}
		value := strings.TrimSpace(s[m.end:end])
		switch m.label {
		case ofsiRefLabel:
			var refs []string
			refs, value = ofsiRefs(value)
			oi.refs = append(oi.refs, refs...)
			oi.addFree(value)
		case ofsiUNRefLabel:
			var refs []string
			refs, value = ofsiRefs(value)
			oi.unRefs = append(oi.unRefs, refs...)
			oi.addFree(value)
		default:
			oi.sections = append(oi.sections, ofsiSection{m.label, value})
		}
	}
	return oi
}

// ofsiRefs splits the references a section starts with from the text after
// them.
func ofsiRefs(s string) (refs []string, rest string) {
	rest = s
	for {
		ref := ofsiRefRe.FindString(rest)
		if ref == "" {
			break
		}
		refs = append(refs, ref)
		rest = rest[len(ref):]
		sep := ofsiRefSep.FindString(rest)
		if sep == "" || ofsiRefRe.FindString(rest[len(sep):]) == "" {
			break
		}
		rest = rest[len(sep):]
	}
	return refs, strings.TrimLeft(rest, " .;,")
}

func (oi *ofsiOI) addFree(s string) {
	if s = strings.TrimSpace(s); s != "" {
		oi.free = append(oi.free, s)
	}
}

func (oi *ofsiOI) apply(b *ukBuilder) {
	if len(oi.free) > 0 {
		b.attr(ukAttrOtherInfo, strings.Join(oi.free, " "))
	}
	for _, r := range oi.unRefs {
		b.attr(ukAttrUNRef, r)
	}
	for _, s := range oi.sections {
		if s.value != "" {
			ofsiLabels[s.label](b, s.value)
		}
	}
}

// ukSplitNumbered splits "(1) a (2) b" into its items; anything else is one
// item. Only the next number in sequence ends an item, so "(2008)" inside a
// position does not.
func ukSplitNumbered(s string) []string {
	if !strings.HasPrefix(s, "(1)") {
		return []string{s}
	}
	var out []string
	rest := s[len("(1)"):]
	for n := 2; ; n++ {
		marker := "(" + strconv.Itoa(n) + ")"
		i := strings.Index(rest, marker)
		if i < 0 {
			break
		}
		out = append(out, strings.TrimSpace(rest[:i]))
		rest = rest[i+len(marker):]
	}
	return append(out, strings.TrimSpace(rest))
}
