package uk

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// Identifier types shared by the two UK lists, so that the OFSI history and
// the FCDO list describe the same document the same way.
const (
	ukIDPassport   = "Passport"
	ukIDNationalID = "National ID"
	ukIDBusinessNo = "Business Registration Number"
	ukIDPhone      = "Phone"
	ukIDFax        = "Fax"
	ukIDEmail      = "Email"
	ukIDWebsite    = "Website"
	ukIDIMO        = "IMO"
	ukIDHIN        = "HIN"
)

// Attribute keys shared by the two UK lists.
const (
	ukAttrRef             = "uk_ref"
	ukAttrGroupID         = "ofsi_group_id"
	ukAttrUNRef           = "un_ref"
	ukAttrLastUpdated     = "last_updated"
	ukAttrSanctions       = "sanctions_imposed"
	ukAttrSource          = "designation_source"
	ukAttrReasons         = "statement_of_reasons"
	ukAttrOtherInfo       = "other_information"
	ukAttrTitle           = "title"
	ukAttrGender          = "gender"
	ukAttrEntityType      = "type_of_entity"
	ukAttrParent          = "parent_company"
	ukAttrSubsidiaries    = "subsidiaries"
	ukAttrOwners          = "current_owners"
	ukAttrPreviousOwners  = "previous_owners"
	ukAttrFlag            = "flag"
	ukAttrPreviousFlags   = "previous_flags"
	ukAttrShipType        = "ship_type"
	ukAttrTonnage         = "tonnage"
	ukAttrLength          = "length"
	ukAttrYearBuilt       = "year_built"
	ukAttrListedOn        = "listed_on"
	ukAttrGroupRefs       = "ofsi_group_refs"
	ukAliasNameVariation  = "name variation"
	ukAliasOtherPrimary   = "primary name"
	ukAliasNonLatinScript = "non-latin script"
)

// ukOneFile returns the one file each UK list is published as; an HTML
// page in its place (a login or error page served with status 200) is
// refused before any parser reads it.
func ukOneFile(list string, files []source.RawFile) (source.RawFile, error) {
	if len(files) != 1 {
		return source.RawFile{}, fmt.Errorf("parse %s: want one file, got %d", list, len(files))
	}
	f := files[0]
	if source.LooksLikeHTML(f.Data) {
		return source.RawFile{}, &source.ParseError{File: f.Name, Err: source.HTMLPageError("", f.Data)}
	}
	return f, nil
}

// ukDetail is one detail of a designation both UK lists can carry outside
// their columns: fcdo names the leaf element of the FCDO XML's
// EntityDetails or ShipDetails, ofsi the "(Label):" of a section of OFSI's
// Other Information ("" where a list has no such name), and set is what it
// feeds, the same for both, so the two lists describe a ship alike.
type ukDetail struct {
	fcdo, ofsi string
	set        func(b *ukBuilder, v string)
}

func ukSetAttr(key string) func(*ukBuilder, string) {
	return func(b *ukBuilder, v string) { b.attr(key, v) }
}

func ukSetIdent(typ string) func(*ukBuilder, string) {
	return func(b *ukBuilder, v string) { b.ident(typ, v, "") }
}

// ukDetails: of the FCDO names, IMONumber, CurrentOwnerOperator, TypeOfShip
// and CurrentBelievedFlagOfShip are confirmed by OpenSanctions' crawler; the
// others follow the CSV column names in the XML's naming style, and any
// leaf not listed is reported.
var ukDetails = []ukDetail{
	{"TypeOfEntity", "Type of entity", ukSetAttr(ukAttrEntityType)},
	{"ParentCompany", "Parent company", ukSetAttr(ukAttrParent)},
	{"Subsidiary", "Subsidiaries", ukSetAttr(ukAttrSubsidiaries)},
	{"BusinessRegistrationNumber", "Business Reg No", ukSetIdent(ukIDBusinessNo)},
	{"IMONumber", "IMO number", ukSetIdent(ukIDIMO)},
	{"CurrentOwnerOperator", "Current owners", ukSetAttr(ukAttrOwners)},
	{"PreviousOwnerOperator", "", ukSetAttr(ukAttrPreviousOwners)},
	{"CurrentBelievedFlagOfShip", "Flag of ship", ukSetAttr(ukAttrFlag)},
	{"PreviousFlag", "Previous flags", ukSetAttr(ukAttrPreviousFlags)},
	{"TypeOfShip", "Type of ship", ukSetAttr(ukAttrShipType)},
	{"TonnageOfShip", "Tonnage of ship", ukSetAttr(ukAttrTonnage)},
	{"LengthOfShip", "Length of ship", ukSetAttr(ukAttrLength)},
	{"YearBuilt", "Year built", ukSetAttr(ukAttrYearBuilt)},
	{"HullIdentificationNumber", "", ukSetIdent(ukIDHIN)},
	{"", "UK Statement of Reasons", ukSetAttr(ukAttrReasons)},
	{"", "Gender", ukSetAttr(ukAttrGender)},
	{"", "Phone number", ukSetIdent(ukIDPhone)},
	{"", "Tel", ukSetIdent(ukIDPhone)},
	{"", "Fax", ukSetIdent(ukIDFax)},
	{"", "Email address", ukSetIdent(ukIDEmail)},
	{"", "Website", ukSetIdent(ukIDWebsite)},
}

// ukDetailsBy maps one list's names of ukDetails to what they feed.
func ukDetailsBy(name func(ukDetail) string) map[string]func(b *ukBuilder, v string) {
	m := make(map[string]func(b *ukBuilder, v string))
	for _, d := range ukDetails {
		if n := name(d); n != "" {
			m[n] = d.set
		}
	}
	return m
}

// ukBuilder accumulates one designation from the pieces the UK formats spread
// it over: one XML element, or several CSV rows that each repeat some values.
// Everything is collected as a set; Canonicalize (in finish) sorts and
// de-duplicates, which is what makes the XML and the CSV of one publication
// give the same entity.
type ukBuilder struct {
	e        tracker.Entity
	line     int // first line of the designation, for errors
	names    []ukName
	attrs    map[string][]string
	kindRaw  string
	warnKind bool
	dates    ukDates
}

// ukDates memoizes DayMonthYear over one parse: OFSI repeats a handful of
// dates on every row of a group.
type ukDates map[string]string

func (d ukDates) iso(s string) string {
	if d == nil {
		return source.DayMonthYear(s)
	}
	v, ok := d[s]
	if !ok {
		v = source.DayMonthYear(s)
		d[s] = v
	}
	return v
}

type ukName struct {
	name, typ, strength string
	primary             bool
}

func newUKBuilder(line int, dates ukDates) *ukBuilder {
	return &ukBuilder{line: line, attrs: make(map[string][]string, 12), dates: dates}
}

// ukJoinName builds a display name: the given names (Name1…Name5) then the
// family name (Name6), as the UK lists print them: "Mikhail Vadimovich CHERNOV".
func ukJoinName(parts []string) string { return source.JoinTrimmed(" ", parts...) }

// addName records one published name. nameType is the FCDO NameType or the
// OFSI Alias Type; strength the FCDO AliasStrength or OFSI Alias Quality.
func (b *ukBuilder) addName(name, nameType, strength string) {
	name = tracker.CleanSpace(name)
	if name == "" {
		return
	}
	n := ukName{name: name}
	is := func(words ...string) bool {
		t := tracker.CleanSpace(nameType)
		for _, w := range words {
			if strings.EqualFold(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case is("primary name", "prime alias", ""):
		// OFSI's 2020 layout called the primary name "Prime Alias"; an
		// untyped name is taken as primary, as OpenSanctions does.
		n.primary = true
	case is("primary name variation"):
		n.typ = ukAliasNameVariation
	case is("alias", "aka", "a.k.a", "a.k.a."):
		n.typ = "aka"
	case is("fka", "f.k.a", "f.k.a."):
		n.typ = "fka"
	default:
		n.typ = strings.ToLower(tracker.CleanSpace(nameType))
	}
	switch s := tracker.CleanSpace(strength); {
	case s == "":
	case len(s) >= 4 && strings.EqualFold(s[:4], "good"):
		n.strength = "strong"
	case len(s) >= 3 && strings.EqualFold(s[:3], "low"):
		n.strength = "weak"
	default:
		n.strength = strings.ToLower(s)
	}
	b.names = append(b.names, n)
}

func (b *ukBuilder) addNonLatin(name, script, lang string) {
	name = tracker.CleanSpace(name)
	if name == "" {
		return
	}
	// The language says more than the script ("Russian" vs "Cyrillic"); the
	// script stands in when no language is given.
	if strings.TrimSpace(lang) == "" {
		lang = script
	}
	b.e.Aliases = append(b.e.Aliases, tracker.Alias{Name: name, Type: ukAliasNonLatinScript, Lang: lang})
}

// attr adds a value to an attribute; CSV rows repeat most values, so a
// repeat of the last one is dropped at once.
func (b *ukBuilder) attr(key, value string) {
	if value = strings.TrimSpace(value); value != "" {
		vs := b.attrs[key]
		if len(vs) > 0 && vs[len(vs)-1] == value {
			return
		}
		b.attrs[key] = append(vs, value)
	}
}

func (b *ukBuilder) dateAttr(key, value string) {
	if value = strings.TrimSpace(value); value != "" {
		b.attr(key, b.dates.iso(value))
	}
}

// ukAddTo appends v to a set kept as a short slice; rows repeat values.
func ukAddTo(set *[]string, v string) {
	if v = strings.TrimSpace(v); v != "" && !slices.Contains(*set, v) {
		*set = append(*set, v)
	}
}

func (b *ukBuilder) program(p string) { ukAddTo(&b.e.Programs, p) }

func (b *ukBuilder) kind(raw string) {
	if raw = strings.TrimSpace(raw); raw != "" && b.kindRaw == "" {
		b.kindRaw = raw
	}
}

func (b *ukBuilder) designated(d string) {
	if d = strings.TrimSpace(d); d != "" && b.e.Designated == "" {
		b.e.Designated = b.dates.iso(d)
	}
}

func (b *ukBuilder) dob(d string) {
	if d = strings.TrimSpace(d); d != "" {
		if iso := b.dates.iso(d); !slices.Contains(b.e.BirthDates, iso) {
			b.e.BirthDates = append(b.e.BirthDates, iso)
		}
	}
}

// birthPlace joins town and country as one place: the formats pair them per
// location (XML) or per row (CSV).
func (b *ukBuilder) birthPlace(town, country string) {
	ukAddTo(&b.e.BirthPlaces, source.JoinTrimmed(", ", town, country))
}

func (b *ukBuilder) nationality(n string) { ukAddTo(&b.e.Nationalities, n) }

func (b *ukBuilder) position(p string) { ukAddTo(&b.e.Positions, p) }

// address takes the six free-form address lines the UK publishes, which hold
// streets, districts and cities in no fixed order, as one line of text.
func (b *ukBuilder) address(lines []string, postcode, country string) {
	a := tracker.Address{Text: source.JoinTrimmed(", ", lines...), PostalCode: strings.TrimSpace(postcode), Country: strings.TrimSpace(country)}
	if a != (tracker.Address{}) {
		b.e.Addresses = append(b.e.Addresses, a)
	}
}

func (b *ukBuilder) ident(typ, value, note string) {
	if value = strings.TrimSpace(value); value != "" {
		b.e.Identifiers = append(b.e.Identifiers, tracker.Identifier{Type: typ, Value: value, Note: strings.TrimSpace(note)})
	}
}

// build finishes the entity. file and pos locate it for errors.
func (b *ukBuilder) build(file, pos string) (*tracker.Entity, error) {
	e := &b.e
	if e.ID == "" {
		return nil, &source.ParseError{File: file, Pos: pos, Err: errors.New("designation without an id")}
	}
	switch strings.ToLower(b.kindRaw) {
	case "individual":
		e.Kind = tracker.KindPerson
	case "entity":
		e.Kind = tracker.KindEntity
	case "ship":
		e.Kind = tracker.KindVessel
	case "":
	default:
		// A new kind of designation is kept as published, not dropped.
		e.Kind = tracker.Kind(strings.ToLower(b.kindRaw))
		b.warnKind = true
	}

	// The first primary name is the name; a designation without one (OFSI
	// has a few) is named by its first name of any type.
	pick := -1
	for i, n := range b.names {
		if n.primary {
			pick = i
			break
		}
	}
	if pick < 0 && len(b.names) > 0 {
		pick = 0
	}
	if pick >= 0 {
		e.Name = b.names[pick].name
	}
	for i, n := range b.names {
		if i == pick || n.name == e.Name {
			continue
		}
		typ := n.typ
		if n.primary {
			typ = ukAliasOtherPrimary
		}
		e.Aliases = append(e.Aliases, tracker.Alias{Name: n.name, Type: typ, Strength: n.strength})
	}
	if e.Name == "" {
		return nil, &source.ParseError{File: file, Pos: pos, Err: fmt.Errorf("designation %s has no name", e.ID)}
	}

	if len(b.attrs) > 0 {
		e.Attrs = make(map[string]string, len(b.attrs))
		for k, vs := range b.attrs {
			e.Attrs[k] = ukJoinSet(vs)
		}
	}
	return e, nil
}

// finish builds the entity and tells of a designation type the parser
// does not know, which what names as the list does ("designation", "group").
func (b *ukBuilder) finish(w *ukWarner, file, pos, what string) (*tracker.Entity, error) {
	e, err := b.build(file, pos)
	if err != nil {
		return nil, err
	}
	if b.warnKind {
		w.warn(w.list+": new "+what+" type", "type", b.kindRaw)
	}
	return e, nil
}

// ukJoinSet joins distinct values in sorted order: a value the formats
// repeat (CSV rows) or order differently (XML vs CSV) reads the same.
func ukJoinSet(vs []string) string {
	if len(vs) == 1 {
		return vs[0]
	}
	vs = slices.Clone(vs)
	for i := range vs {
		vs[i] = tracker.CleanSpace(vs[i])
	}
	slices.Sort(vs)
	vs = slices.Compact(vs)
	return strings.Join(vs, "; ")
}

// ukText prepares CSV bytes: it drops a UTF-8 byte order mark and converts
// Windows-1252, which OFSI's older ConList.csv files are written in (curly
// quotes as 0x92), to UTF-8. Newer files are UTF-8 and pass unchanged.
func ukText(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return data
	}
	out := make([]byte, 0, len(data)+len(data)/16)
	for _, c := range data {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c < 0xa0:
			out = utf8.AppendRune(out, ukCP1252[c-0x80])
		default:
			out = utf8.AppendRune(out, rune(c)) // Latin-1 and Windows-1252 agree from 0xA0
		}
	}
	return out
}

// ukCP1252 maps the bytes 0x80–0x9F of Windows-1252; the five it leaves
// undefined become U+FFFD.
var ukCP1252 = [32]rune{
	'€', '\ufffd', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\ufffd', 'Ž', '\ufffd',
	'\ufffd', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\ufffd', 'ž', 'Ÿ',
}

// ukMissing words a list of missing columns for an error.
func ukMissing(names []string) string {
	word := "column"
	if len(names) > 1 {
		word = "columns"
	}
	q := make([]string, 0, 6)
	for i, n := range names {
		if i == 5 {
			q = append(q, fmt.Sprintf("and %d more", len(names)-5))
			break
		}
		q = append(q, fmt.Sprintf("%q", n))
	}
	return "missing " + word + " " + strings.Join(q, ", ")
}

// ukColumns maps a CSV header by column name. Names are matched without
// regard to case or runs of spaces, so a cosmetic respelling of a header is
// not a format change; a missing column is.
type ukColumns struct {
	idx     map[string]int
	unknown []string
}

func ukColumnKey(name string) string {
	return strings.ToLower(tracker.CleanSpace(strings.TrimPrefix(name, "\ufeff")))
}

// newUKColumns indexes header and returns the columns of want it lacks;
// header columns not in want are kept as unknown.
func newUKColumns(header, want []string) (*ukColumns, []string, error) {
	c := &ukColumns{idx: make(map[string]int, len(header))}
	known := make(map[string]bool, len(want))
	for _, w := range want {
		known[ukColumnKey(w)] = true
	}
	for i, h := range header {
		k := ukColumnKey(h)
		if k == "" {
			continue
		}
		if _, dup := c.idx[k]; dup {
			return nil, nil, fmt.Errorf("column %q appears twice in the header", strings.TrimSpace(h))
		}
		c.idx[k] = i
		if !known[k] {
			c.unknown = append(c.unknown, strings.TrimSpace(h))
		}
	}
	var missing []string
	for _, w := range want {
		if _, ok := c.idx[ukColumnKey(w)]; !ok {
			missing = append(missing, w)
		}
	}
	return c, missing, nil
}

// col returns the index of a column, or -1 when the header lacks it (only
// optional columns may be absent).
func (c *ukColumns) col(name string) int {
	if i, ok := c.idx[ukColumnKey(name)]; ok {
		return i
	}
	return -1
}

// ukField returns row[i], or "" for a column the file does not have.
func ukField(row []string, i int) string {
	if i < 0 {
		return ""
	}
	return row[i]
}

// ukCSVError turns an encoding/csv error into a ParseError at its line.
func ukCSVError(file string, err error) error {
	if errors.Is(err, io.EOF) {
		return &source.ParseError{File: file, Err: errors.New("file ends before its header")}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &source.ParseError{File: file, Pos: fmt.Sprintf("line %d", pe.Line), Err: pe.Err}
	}
	return &source.ParseError{File: file, Err: err}
}

// ukCSV reads a UK CSV: a line of its own (the file's date), the header,
// then the rows. Both UK CSVs are read the same way, so a truncated or
// damaged file fails with the same message and position in either.
type ukCSV struct {
	r     *csv.Reader
	file  string
	width int // fields in the header, which every row must have
	n     int // rows read, for the context check
}

func newUKCSV(file string, text []byte) *ukCSV {
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return &ukCSV{r: r, file: file}
}

// first reads line 1: a file without it is empty, not damaged.
func (c *ukCSV) first() ([]string, error) {
	row, err := c.r.Read()
	if err == io.EOF {
		return nil, &source.ParseError{File: c.file, Err: errors.New("empty file")}
	}
	if err != nil {
		return nil, ukCSVError(c.file, err)
	}
	return row, nil
}

// read reads a row before the header; the file must not end there.
func (c *ukCSV) read() ([]string, error) {
	row, err := c.r.Read()
	if err != nil {
		return nil, ukCSVError(c.file, err)
	}
	return row, nil
}

// header takes row, the one read last, as the header and indexes it by
// want. A column of want that is missing is a format change, and what
// ("a UK Sanctions List CSV") says which format the error expected.
func (c *ukCSV) header(row, want []string, what string) (*ukColumns, error) {
	line, _ := c.r.FieldPos(0)
	c.width = len(row)
	cols, missing, err := newUKColumns(row, want)
	if err != nil {
		return nil, &source.ParseError{File: c.file, Pos: fmt.Sprintf("line %d", line), Err: err}
	}
	if len(missing) > 0 {
		return nil, &source.ParseError{File: c.file, Pos: fmt.Sprintf("line %d", line),
			Err: fmt.Errorf("%s: not %s, or its format changed", ukMissing(missing), what)}
	}
	return cols, nil
}

// next returns the next row that is not blank, its line and its key (the
// trimmed cell of column key, named keyName in errors); a nil row at the
// end. A row of another width than the header means a truncated or damaged
// file, and a row without a key belongs to no designation: both are errors.
// The context is looked at every 4096 rows, so a cancelled parse stops soon
// without a check per row.
func (c *ukCSV) next(ctx context.Context, key int, keyName string) (row []string, line int, id string, err error) {
	for {
		row, err := c.r.Read()
		if err == io.EOF {
			return nil, 0, "", nil
		}
		if err != nil {
			return nil, 0, "", ukCSVError(c.file, err)
		}
		line, _ := c.r.FieldPos(0)
		if len(row) != c.width {
			return nil, 0, "", &source.ParseError{File: c.file, Pos: fmt.Sprintf("line %d", line),
				Err: fmt.Errorf("row has %d fields, the header %d (truncated file?)", len(row), c.width)}
		}
		if c.n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, "", err
			}
		}
		c.n++
		if id := strings.TrimSpace(row[key]); id != "" {
			return row, line, id, nil
		}
		if !ukBlankRow(row) {
			return nil, 0, "", &source.ParseError{File: c.file, Pos: fmt.Sprintf("line %d", line), Err: errors.New("row without " + keyName)}
		}
	}
}

// ukGroups reads the rows into one T per key (column key, named keyName
// in errors), in the order the keys first appear: start makes the T of a
// key at its first row, add adds each row to its T. Both UK CSVs spread a
// designation over several rows that need not be adjacent.
func ukGroups[T any](ctx context.Context, rows *ukCSV, key int, keyName string, start func(id string, line int) *T, add func(t *T, row []string, line int)) ([]*T, error) {
	byKey := map[string]*T{}
	var order []*T
	for {
		row, line, id, err := rows.next(ctx, key, keyName)
		if err != nil || row == nil {
			return order, err
		}
		t := byKey[id]
		if t == nil {
			t = start(id, line)
			byKey[id] = t
			order = append(order, t)
		}
		add(t, row, line)
	}
}

func ukBlankRow(row []string) bool {
	for _, f := range row {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// ukRowCols are the columns the two UK CSVs share in meaning and read the
// same way: a name in six parts with its non-Latin form, an address in six
// lines with postcode and country, a place of birth. Optional columns
// (OFSI's 2020 layout has no non-Latin names) are -1.
type ukRowCols struct {
	names, addr                            [6]int // Name 1 … Name 6, address lines 1 … 6
	nonLatin, nonLatinScript, nonLatinLang int
	postcode, country                      int
	town, countryOfBirth                   int
}

// newUKRowCols finds the shared columns. Both CSVs name the name and
// birthplace columns alike (but for case, which ukColumns ignores:
// "Town of birth", "Town of Birth"); addrFormat numbers the address lines
// ("Address Line %d"), and postcode and country name their columns.
func newUKRowCols(cols *ukColumns, addrFormat, postcode, country string) ukRowCols {
	c := ukRowCols{
		nonLatin: cols.col("Name non-latin script"), nonLatinScript: cols.col("Non-latin script type"),
		nonLatinLang: cols.col("Non-latin script language"),
		postcode:     cols.col(postcode), country: cols.col(country),
		town: cols.col("Town of birth"), countryOfBirth: cols.col("Country of birth"),
	}
	for i := range c.names {
		c.names[i] = cols.col(fmt.Sprintf("Name %d", i+1))
		c.addr[i] = cols.col(fmt.Sprintf(addrFormat, i+1))
	}
	return c
}

// name adds the row's name, of type nameType and strength, and its
// non-Latin form. The name parts join Name 1 … Name 5 then Name 6, the
// family name, whatever order the file's columns run in.
func (c *ukRowCols) name(b *ukBuilder, row []string, nameType, strength string) {
	var parts [6]string
	for i, ci := range c.names {
		parts[i] = row[ci]
	}
	b.addName(ukJoinName(parts[:]), nameType, strength)
	if s := ukCell(row, c.nonLatin); s != "" {
		b.addNonLatin(s, ukCell(row, c.nonLatinScript), ukCell(row, c.nonLatinLang))
	}
}

// address adds the row's address: its six lines as one, which is what the
// XML's address gives too.
func (c *ukRowCols) address(b *ukBuilder, row []string) {
	var lines [6]string
	for i, ci := range c.addr {
		lines[i] = row[ci]
	}
	if a := source.JoinTrimmed(", ", lines[:]...); a != "" || row[c.postcode] != "" || row[c.country] != "" {
		b.address([]string{a}, ukCell(row, c.postcode), ukCell(row, c.country))
	}
}

func (c *ukRowCols) birthPlace(b *ukBuilder, row []string) {
	if row[c.town] != "" || row[c.countryOfBirth] != "" {
		b.birthPlace(ukCell(row, c.town), ukCell(row, c.countryOfBirth))
	}
}

// ukCell returns the trimmed row[i], or "" for a column the file does not
// have.
func ukCell(row []string, i int) string { return strings.TrimSpace(ukField(row, i)) }

// ukWarner logs each new column or element once per parse: a format change
// the parser does not understand yet is visible without failing the list.
// What is format drift (a column, an element, a designation type) it also
// records for the Publication, so the store can tell operators once.
type ukWarner struct {
	list, file string
	seen       map[string]bool
	drift      []source.Drift
}

// ukDriftKinds are the warner's keys that are format drift, with their
// Drift kind; other warnings ("ref") are about the data, not the format.
var ukDriftKinds = map[string]string{"column": tracker.DriftColumn, "element": tracker.DriftElement, "type": tracker.DriftValue}

func (w *ukWarner) warn(msg, key, name string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if w.seen[key+"\x00"+name] {
		return
	}
	w.seen[key+"\x00"+name] = true
	slog.Warn(msg, "list", w.list, "file", w.file, key, name)
	if kind, ok := ukDriftKinds[key]; ok {
		d := source.Drift{Kind: kind, Name: name, File: w.file}
		if kind == tracker.DriftValue {
			d.Name, d.Example = key+"="+name, name
		}
		w.drift = append(w.drift, d)
	}
}

// newUKCSVWarner is the warner of one CSV file; the header's columns the
// parser does not read are told at once.
func newUKCSVWarner(list, file string, unknown []string) *ukWarner {
	w := &ukWarner{list: list, file: file}
	for _, u := range unknown {
		w.warn(list+": new column", "column", u)
	}
	return w
}

// regime notes a regime title the regime table does not know: the entity
// keeps it verbatim in Programs, and operators hear of it once.
func (w *ukWarner) regime(title, id string) {
	if title == "" || ukRegimeKnown[title] || w.seen["regime\x00"+title] {
		return
	}
	w.warn(w.list+": new regime", "regime", title)
	w.drift = append(w.drift, source.Drift{Kind: tracker.DriftValue, Name: "regime=" + title, Example: id, File: w.file})
}
