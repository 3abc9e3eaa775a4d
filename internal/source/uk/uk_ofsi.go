package uk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
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
	f, err := ukOneFile(ukOFSIList, files)
	if err != nil {
		return nil, err
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
	ukRowCols
	dates ukDates

	title, dob, nationality                          int
	passportDetails, passportNumber, niNumber        int
	nidNumber, nidDetails, position                  int
	other, kind, aliasType, quality                  int
	regime, listedOn, designated, lastUpdated, group int
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

// parseOFSI reads the file in three steps: the lines before the rows, the
// rows into groups, and the groups into designations, which needs every
// group read first (a reference may be claimed twice).
func parseOFSI(ctx context.Context, f source.RawFile) (*source.Publication, error) {
	text := ukText(f.Data)
	if err := source.CheckControls(f.Name, text, 0); err != nil {
		return nil, err
	}
	rows := newUKCSV(f.Name, text)
	pub := &source.Publication{}
	cols, err := ofsiHeader(rows, pub)
	if err != nil {
		return nil, err
	}
	w := newUKCSVWarner(ukOFSIList, f.Name, cols.unknown)
	c := ofsiColsOf(cols)
	c.dates = ukDates{}
	order, err := c.groups(ctx, rows)
	if err != nil {
		return nil, err
	}
	if pub.Entities, err = ofsiDesignations(order, w, f.Name); err != nil {
		return nil, err
	}
	pub.Drift = w.drift
	return pub, nil
}

// ofsiHeader reads line 1, "Last Updated,dd/mm/yyyy", the publication date,
// and the header, which must have every column of its layout.
func ofsiHeader(rows *ukCSV, pub *source.Publication) (*ukColumns, error) {
	first, err := rows.first()
	if err != nil {
		return nil, err
	}
	if len(first) < 2 || ukColumnKey(first[0]) != "last updated" {
		return nil, &source.ParseError{File: rows.file, Pos: "line 1", Err: fmt.Errorf("want \"Last Updated,dd/mm/yyyy\", got %.60q: not an OFSI ConList CSV", strings.Join(first, ","))}
	}
	if pub.PublishedAt, err = source.PublicationDate(first[1], source.FormDayMonthYear); err != nil {
		return nil, &source.ParseError{File: rows.file, Pos: "line 1", Err: fmt.Errorf("the \"Last Updated\" date: %w", err)}
	}
	header, err := rows.read()
	if err != nil {
		return nil, err
	}
	return rows.header(header, ofsiLayout(header), "an OFSI ConList CSV")
}

// ofsiLayout returns the columns of the header's layout, told by its own
// columns. A header that names a column twice gets the 2020 layout here;
// reading it by that layout then fails on the repeated column.
func ofsiLayout(header []string) []string {
	layout := ofsi2020Columns
	if probe, _, err := newUKColumns(header, nil); err == nil {
		for _, c := range ofsiNewColumns {
			if probe.col(c) >= 0 {
				layout = ofsiNewColumns
			}
		}
	}
	return append(append([]string(nil), ofsiCommonColumns...), layout...)
}

// groups reads the rows into groups by Group ID.
func (c *ofsiCols) groups(ctx context.Context, rows *ukCSV) ([]*ofsiGroup, error) {
	return ukGroups(ctx, rows, c.group, "Group ID",
		func(id string, _ int) *ofsiGroup { return &ofsiGroup{id: id} },
		c.apply)
}

// ofsiDesignations makes one designation per group and regime. OFSI has
// given one reference to two groups (RUS1024 in May 2022, a slip corrected
// later). Such a reference identifies neither: both groups fall back to
// their Group ID rather than one being picked.
func ofsiDesignations(order []*ofsiGroup, w *ukWarner, file string) ([]*tracker.Entity, error) {
	claims := map[string]int{}
	for _, g := range order {
		for _, rg := range g.regimes {
			if ref := g.refFor(rg.name); ref != "" {
				claims[ref]++
			}
		}
	}
	var out []*tracker.Entity
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
			e, err := rg.b.finish(w, file, fmt.Sprintf("line %d (group %s, %s)", rg.b.line, g.id, rg.name), "group")
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func ofsiColsOf(cols *ukColumns) *ofsiCols {
	x := cols.col
	return &ofsiCols{
		ukRowCols: newUKRowCols(cols, "Address %d", "Post/Zip Code", "Country"),
		title:     x("Title"), dob: x("DOB"),
		nationality: x("Nationality"), passportDetails: x("Passport Details"), passportNumber: x("Passport Number"),
		niNumber: x("NI Number"), nidNumber: x("National Identification Number"), nidDetails: x("National Identification Details"),
		position: x("Position"), other: x("Other Information"),
		kind: x("Group Type"), aliasType: x("Alias Type"), quality: x("Alias Quality"), regime: x("Regime"),
		listedOn: x("Listed On"), designated: x("UK Sanctions List Date Designated"), lastUpdated: x("Last Updated"),
		group: x("Group ID"),
	}
}

// apply adds one row to the designation of its group and regime.
func (c *ofsiCols) apply(g *ofsiGroup, row []string, line int) {
	v := func(i int) string { return ukCell(row, i) }
	rg := g.regime(v(c.regime), line, c.dates)
	b := rg.b

	// OFSI's name columns run Name 6 (family name) first; the order of the
	// joined name is the FCDO's: Name 1 … Name 5, Name 6.
	c.name(b, row, v(c.aliasType), v(c.quality))
	b.attr(ukAttrTitle, v(c.title))
	b.kind(v(c.kind))
	b.dob(v(c.dob))
	c.birthPlace(b, row)
	c.identity(b, row)
	c.address(b, row)
	b.dateAttr(ukAttrListedOn, v(c.listedOn))
	b.dateAttr(ukAttrLastUpdated, v(c.lastUpdated))
	// The UK list's date of designation where OFSI gives it; before the UK
	// list existed, the date OFSI listed the group.
	if d := v(c.designated); d != "" {
		b.designated(d)
	} else {
		b.designated(v(c.listedOn))
	}
	g.other(rg, row[c.other])
}

// regime returns the group's designation under a regime, started at line
// when the group's first row under it is read.
func (g *ofsiGroup) regime(name string, line int, dates ukDates) *ofsiRegime {
	for i := range g.regimes {
		if g.regimes[i].name == name {
			return &g.regimes[i]
		}
	}
	g.regimes = append(g.regimes, ofsiRegime{name: name, b: newUKBuilder(line, dates)})
	rg := &g.regimes[len(g.regimes)-1]
	rg.b.program(RegimeTitle(name))
	rg.b.attr(ukAttrGroupID, g.id)
	return rg
}

// identity adds nationalities, positions and identity documents, which
// OFSI's layouts give in other shapes than the FCDO list.
func (c *ofsiCols) identity(b *ukBuilder, row []string) {
	v := func(i int) string { return ukCell(row, i) }
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
}

// other adds the row's Other Information to its designation. A group's
// rows repeat one text, so it is parsed only when it changes, and added to
// a designation only once per distinct text.
func (g *ofsiGroup) other(rg *ofsiRegime, oi string) {
	if oi == rg.oiText {
		return
	}
	rg.oiText = oi
	if oi != g.oiText || g.oi == nil {
		g.oiText, g.oi = oi, parseOFSIOther(oi)
		for _, ref := range g.oi.refs {
			if !slices.Contains(g.refs, ref) {
				g.refs = append(g.refs, ref)
			}
		}
	}
	g.oi.apply(rg.b)
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

// ofsiLabels maps the labels of Other Information's sections (the ofsi
// names of ukDetails).
var ofsiLabels = ukDetailsBy(func(d ukDetail) string { return d.ofsi })

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
