package eu

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// CyberRegimes marks a cyber designation: the EU's regime code for
// Council Decision (CFSP) 2019/797 and Regulation (EU) 2019/796.
var CyberRegimes = []string{"CYB"}

// Attribute keys of EU entities.
const (
	euAttrRef     = "eu_reference_number"
	euAttrUNID    = "un_id"
	euAttrDetails = "designation_details"
	euAttrGender  = "gender"
	euAttrTitle   = "title"
)

// Parse reads the EU Financial Sanctions Files consolidated list, either
// as xmlFullSanctionsList_1_1 or as csvFullSanctionsList_1_1; it tells them
// apart by content, since the download URL names neither.
func Parse(ctx context.Context, files []source.RawFile) (*source.Publication, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parse eu-fsf: %w", err)
	}
	if len(files) != 1 {
		return nil, &source.ParseError{File: "eu-fsf", Err: fmt.Errorf("want the one FSF file, got %d files", len(files))}
	}
	f := files[0]
	name := euFileName(f)
	data := bytes.TrimPrefix(f.Data, []byte("\xef\xbb\xbf"))
	head := bytes.TrimLeft(data[:min(len(data), 4096)], " \t\r\n")
	var (
		pub *source.Publication
		err error
	)
	switch {
	case len(head) == 0:
		return nil, &source.ParseError{File: name, Err: errors.New("empty file: not an EU FSF file")}
	case source.LooksLikeHTML(head):
		msg := "not an EU FSF file: an HTML page"
		if t := source.HTMLTitle(head); t != "" {
			msg += " titled " + strconv.Quote(t)
		}
		return nil, &source.ParseError{File: name, Pos: "line 1", Err: errors.New(msg)}
	case head[0] == '<':
		// XML 1.0 allows DEL and the C1 controls, which no list has.
		if err := source.CheckControls(name, data, len(f.Data)-len(data)); err != nil {
			return nil, err
		}
		pub, err = parseEUXML(ctx, name, data)
	case euIsCSVHeader(head):
		// The FSF writes UTF-8, and the CSV reader would pass any other
		// byte on (the XML decoder checks for itself).
		if err := source.CheckUTF8(name, data, len(f.Data)-len(data)); err != nil {
			return nil, err
		}
		pub, err = parseEUCSV(ctx, name, data)
	default:
		return nil, &source.ParseError{File: name, Pos: "line 1", Err: errors.New("not an EU FSF file: neither XML nor the FSF CSV header")}
	}
	if err != nil {
		return nil, err
	}
	return source.Finish(name, pub)
}

func euFileName(f source.RawFile) string {
	if f.Name != "" {
		return f.Name
	}
	if f.Origin != "" {
		if b := path.Base(strings.SplitN(f.Origin, "?", 2)[0]); b != "." && b != "/" {
			return b
		}
	}
	return "eu-fsf"
}

// euXML reads one xmlFullSanctionsList_1_1 file. It streams: a token loop
// over the whole file, and one sanctionEntity at a time built straight into
// a tracker.Entity, so memory holds the entities and never a document tree.
type euXML struct {
	source.XMLReader
	drift source.DriftLog
}

// euKnown are the FSF XML's elements, each with its attributes: those the
// parser reads and those it deliberately ignores (regulationLanguage,
// logicalId of details …), as the real files carry them. Anything else is
// format drift, reported once; namespace-qualified attributes (xmlns,
// xsi:schemaLocation) are XML's, not the list's.
var euKnown = map[string]map[string]bool{
	"export":            euSet("generationDate", "globalFileId"),
	"sanctionEntity":    euSet("designationDetails", "euReferenceNumber", "logicalId", "unitedNationId", "designationDate"),
	"regulation":        euSet("entryIntoForceDate", "logicalId", "numberTitle", "organisationType", "programme", "publicationDate", "regulationType"),
	"publicationUrl":    euSet(),
	"regulationSummary": euSet("numberTitle", "publicationDate", "publicationUrl", "regulationType"),
	"remark":            euSet(),
	"subjectType":       euSet("classificationCode", "code"),
	"contactInfo":       euSet("key", "value"),
	"nameAlias": euSet("firstName", "function", "gender", "lastName", "logicalId", "middleName", "nameLanguage",
		"regulationLanguage", "strong", "title", "wholeName"),
	"citizenship": euSet("countryDescription", "countryIso2Code", "logicalId", "region", "regulationLanguage"),
	"birthdate": euSet("birthdate", "calendarType", "circa", "city", "countryDescription", "countryIso2Code", "dayOfMonth",
		"logicalId", "monthOfYear", "place", "region", "regulationLanguage", "year", "zipCode", "yearRangeFrom", "yearRangeTo"),
	"identification": euSet("countryDescription", "countryIso2Code", "diplomatic", "identificationTypeCode",
		"identificationTypeDescription", "issuedBy", "issuedDate", "issueDate", "knownExpired", "knownFalse", "latinNumber",
		"logicalId", "nameOnDocument", "number", "region", "regulationLanguage", "reportedLost", "revokedByIssuer", "validFrom", "validTo"),
	"address": euSet("asAtListingTime", "city", "countryDescription", "countryIso2Code", "logicalId", "place", "poBox",
		"region", "regulationLanguage", "street", "zipCode"),
}

func euSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// check notes an element or attribute the parser does not know. It costs
// a map lookup per element and attribute; only drift allocates.
func (p *euXML) check(parent string, se xml.StartElement) {
	known, ok := euKnown[se.Name.Local]
	if !ok {
		p.drift.Note(tracker.DriftElement, strings.Trim(parent, "<>")+"/"+se.Name.Local, "", p.Pos())
		return
	}
	for _, a := range se.Attr {
		if a.Name.Space == "" && a.Name.Local != "xmlns" && !known[a.Name.Local] {
			p.drift.Note(tracker.DriftAttribute, se.Name.Local+"@"+a.Name.Local, a.Value, p.Pos())
		}
	}
}

func parseEUXML(ctx context.Context, file string, data []byte) (*source.Publication, error) {
	p := &euXML{XMLReader: source.NewXMLReader(file, data)}
	p.drift = source.DriftLog{List: "eu-fsf", File: file}
	root, err := p.root()
	if err != nil {
		return nil, err
	}
	p.check("", root)
	pub := &source.Publication{}
	if gd := euAttr(root, "generationDate"); gd != "" {
		if pub.PublishedAt, err = euGenerationDate(gd); err != nil {
			return nil, p.ErrAt(err)
		}
	}
	// The line of each logicalId's entity: two entities with one id are an
	// error, never merged, and the message says where both are.
	lineOf := make(map[string]int)
	for n := 0; ; {
		tok, err := p.Dec.Token()
		if err != nil {
			return nil, p.SyntaxErr(err, "<export>")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			p.check("export", t)
			if t.Name.Local != "sanctionEntity" {
				if err := p.Skip(t); err != nil {
					return nil, err
				}
				continue
			}
			if n++; n%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("parse %s: %w", file, err)
				}
			}
			line, _ := p.Dec.InputPos()
			e, err := p.entity(t)
			if err != nil {
				return nil, err
			}
			if first, dup := lineOf[e.ID]; dup {
				return nil, &source.ParseError{File: file, Pos: fmt.Sprintf("line %d", line),
					Err: fmt.Errorf("sanctionEntity logicalId %s again (first on line %d): two entities with one id", e.ID, first)}
			}
			lineOf[e.ID] = line
			pub.Entities = append(pub.Entities, e)
		case xml.EndElement:
			if err := p.Trailer("export"); err != nil {
				return nil, err
			}
			pub.Drift = p.drift.Drift()
			return pub, nil
		}
	}
}

// root finds the root element and checks that it is an FSF export. Only
// local names are compared: the namespace URI has no version in it, and a
// file that is an FSF export in all but its xmlns is still one.
func (p *euXML) root() (xml.StartElement, error) {
	t, err := p.Root("not an EU FSF file", nil)
	if err != nil {
		return xml.StartElement{}, err
	}
	if t.Name.Local != "export" {
		return xml.StartElement{}, p.ErrAt(fmt.Errorf("not an EU FSF file: root element <%s>, want <export>", t.Name.Local))
	}
	return t, nil
}

// each calls fn for every child element of the element just started and
// returns after that element's end tag. fn must consume the child it is
// given, with each, text or skip.
func (p *euXML) each(inside string, fn func(xml.StartElement) error) error {
	for {
		tok, err := p.Dec.Token()
		if err != nil {
			return p.SyntaxErr(err, inside)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			p.check(inside, t)
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// text returns the character data of the element just started.
func (p *euXML) text(start xml.StartElement) (string, error) {
	var sb strings.Builder
	for {
		tok, err := p.Dec.Token()
		if err != nil {
			return "", p.SyntaxErr(err, "<"+start.Name.Local+">")
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.StartElement:
			if err := p.Skip(t); err != nil {
				return "", err
			}
		case xml.EndElement:
			return sb.String(), nil
		}
	}
}

// euDetail is what the children of a nameAlias, citizenship, birthdate,
// identification or address carry besides their attributes.
type euDetail struct {
	remarks  []string
	contacts [][2]string // address contactInfo key, value
}

// details reads the children of a detail element: regulationSummary
// elements become notices of the entity, so that an amending regulation
// shows as a change even when the amended value looks the same.
func (p *euXML) details(start xml.StartElement, b *euBuilder) (euDetail, error) {
	var d euDetail
	err := p.each("<"+start.Name.Local+">", func(c xml.StartElement) error {
		switch c.Name.Local {
		case "regulationSummary":
			b.notice(tracker.Notice{
				Title: euAttr(c, "numberTitle"),
				Date:  euAttr(c, "publicationDate"),
				URL:   euAttr(c, "publicationUrl"),
			})
			return p.Skip(c)
		case "remark":
			s, err := p.text(c)
			d.remarks = append(d.remarks, s)
			return err
		case "contactInfo":
			d.contacts = append(d.contacts, [2]string{euAttr(c, "key"), euAttr(c, "value")})
			return p.Skip(c)
		default:
			return p.Skip(c)
		}
	})
	return d, err
}

func (p *euXML) entity(start xml.StartElement) (*tracker.Entity, error) {
	line, _ := p.Dec.InputPos()
	b := newEUBuilder(line)
	b.e.ID = euAttr(start, "logicalId")
	b.attr(euAttrRef, euAttr(start, "euReferenceNumber"))
	b.attr(euAttrUNID, euAttr(start, "unitedNationId"))
	b.attr(euAttrDetails, euAttr(start, "designationDetails"))
	b.designationDate = euAttr(start, "designationDate")

	err := p.each("<sanctionEntity>", func(c xml.StartElement) error { return p.entityChild(c, b) })
	if err != nil {
		return nil, err
	}
	return b.build(p.File, fmt.Sprintf("line %d", line))
}

// entityChild reads one child element of a sanctionEntity into b.
func (p *euXML) entityChild(c xml.StartElement, b *euBuilder) error {
	switch c.Name.Local {
	case "remark":
		s, err := p.text(c)
		b.remark(s)
		return err
	case "regulation":
		n := tracker.Notice{Title: euAttr(c, "numberTitle"), Date: euAttr(c, "publicationDate")}
		err := p.each("<regulation>", func(cc xml.StartElement) error {
			if cc.Name.Local != "publicationUrl" {
				return p.Skip(cc)
			}
			var err error
			n.URL, err = p.text(cc)
			return err
		})
		b.regulation(euAttr(c, "programme"), euAttr(c, "entryIntoForceDate"), n)
		return err
	case "subjectType":
		b.kind(euAttr(c, "code"), euAttr(c, "classificationCode"))
		return p.Skip(c)
	case "nameAlias", "citizenship", "birthdate", "identification", "address":
		// What was read is kept even when reading the children failed:
		// the error ends the parse anyway.
		d, err := p.details(c, b)
		euXMLDetail(b, c, d)
		return err
	default:
		return p.Skip(c)
	}
}

// euXMLDetail adds a detail element (nameAlias, citizenship, birthdate,
// identification or address) to b from its attributes and from d, what
// its children carry.
func euXMLDetail(b *euBuilder, c xml.StartElement, d euDetail) {
	switch c.Name.Local {
	case "nameAlias":
		b.alias(euName{
			whole: euAttr(c, "wholeName"), first: euAttr(c, "firstName"),
			middle: euAttr(c, "middleName"), last: euAttr(c, "lastName"),
			lang: euAttr(c, "nameLanguage"), strong: euAttr(c, "strong"),
			function: euAttr(c, "function"), gender: euAttr(c, "gender"), title: euAttr(c, "title"),
			logicalID: euAttr(c, "logicalId"),
		})
	case "citizenship":
		b.citizenship(euAttr(c, "countryDescription"), euAttr(c, "countryIso2Code"), euAttr(c, "region"))
	case "birthdate":
		b.birth(euBirth{
			full: euAttr(c, "birthdate"), day: euAttr(c, "dayOfMonth"), month: euAttr(c, "monthOfYear"),
			year: euAttr(c, "year"), from: euAttr(c, "yearRangeFrom"), to: euAttr(c, "yearRangeTo"),
			circa: euAttr(c, "circa"), calendar: euAttr(c, "calendarType"),
			place: euAttr(c, "place"), city: euAttr(c, "city"), zip: euAttr(c, "zipCode"), region: euAttr(c, "region"),
			country: euXMLCountry(c),
		})
	case "identification":
		issued := euAttr(c, "issuedDate")
		if issued == "" {
			issued = euAttr(c, "issueDate")
		}
		// An identification keeps its remarks in its own note.
		b.identification(euIdent{
			number: euAttr(c, "number"), latin: euAttr(c, "latinNumber"),
			typeCode: euAttr(c, "identificationTypeCode"), typeDesc: euAttr(c, "identificationTypeDescription"),
			country: euXMLCountry(c), region: euAttr(c, "region"),
			issuedBy: euAttr(c, "issuedBy"), issued: issued, validFrom: euAttr(c, "validFrom"), validTo: euAttr(c, "validTo"),
			nameOnDoc:  euAttr(c, "nameOnDocument"),
			diplomatic: euAttr(c, "diplomatic"), knownExpired: euAttr(c, "knownExpired"), knownFalse: euAttr(c, "knownFalse"),
			reportedLost: euAttr(c, "reportedLost"), revoked: euAttr(c, "revokedByIssuer"),
			remarks: d.remarks,
		})
		return
	case "address":
		b.address(euAddr{
			street: euAttr(c, "street"), poBox: euAttr(c, "poBox"), city: euAttr(c, "city"),
			zip: euAttr(c, "zipCode"), region: euAttr(c, "region"), place: euAttr(c, "place"),
			country: euXMLCountry(c),
		})
		for _, kv := range d.contacts {
			b.contact(kv[0], kv[1])
		}
	}
	b.remark(d.remarks...)
}

// euXMLCountry is a detail element's country (see euCountry).
func euXMLCountry(c xml.StartElement) string {
	return euCountry(euAttr(c, "countryDescription"), euAttr(c, "countryIso2Code"))
}

func euAttr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// euGenerationDate keeps the date part of generationDate as written, not
// converted to UTC: the FSF CSV states only that (local) date, and the XML
// and the CSV of one publication must get the same PublishedAt, since the
// store refuses a publication dated before the latest one.
func euGenerationDate(s string) (string, error) {
	d, err := source.PublicationDate(s, source.FormISO)
	if err != nil {
		return "", fmt.Errorf("generationDate: %w", err)
	}
	return d, nil
}

// euBuilder accumulates one EU entity from the pieces either format spreads
// it over: the children of a sanctionEntity element, or CSV rows that each
// carry one detail. Canonicalize (in finish) sorts and de-duplicates.
type euBuilder struct {
	e               tracker.Entity
	line            int
	designationDate string
	earliestForce   string
	earliestAct     tracker.Notice // the regulation published first
	names           []tracker.Alias
	nameIDs         []int64 // each name's nameAlias logicalId; MaxInt64 when it has none
	genders, titles []string
	remarks         []string
}

func newEUBuilder(line int) *euBuilder {
	return &euBuilder{line: line}
}

func (b *euBuilder) attr(k, v string) {
	if v = strings.TrimSpace(v); v == "" {
		return
	}
	if b.e.Attrs == nil {
		b.e.Attrs = make(map[string]string, 4)
	}
	b.e.Attrs[k] = v
}

func (b *euBuilder) remark(rs ...string) {
	for _, r := range rs {
		if r = tracker.CleanSpace(r); r != "" && !slices.Contains(b.remarks, r) {
			b.remarks = append(b.remarks, r)
		}
	}
}

// regulation records one regulation the entity is listed under: its
// programme, and the act as a notice with its Official Journal link.
func (b *euBuilder) regulation(programme, entryIntoForce string, n tracker.Notice) {
	if programme = strings.TrimSpace(programme); programme != "" {
		b.e.Programs = append(b.e.Programs, programme)
	}
	if f := strings.TrimSpace(entryIntoForce); f != "" && (b.earliestForce == "" || f < b.earliestForce) {
		b.earliestForce = f
	}
	if d := strings.TrimSpace(n.Date); d != "" && (b.earliestAct.Date == "" || d < b.earliestAct.Date ||
		d == b.earliestAct.Date && n.Title < b.earliestAct.Title) {
		b.earliestAct = tracker.Notice{Title: strings.TrimSpace(n.Title), Date: d}
	}
	b.notice(n)
}

func (b *euBuilder) notice(n tracker.Notice) {
	if n != (tracker.Notice{}) {
		b.e.Notices = append(b.e.Notices, n)
	}
}

func (b *euBuilder) kind(code, classification string) {
	b.e.Kind = euKind(code, classification)
}

// euKind maps the FSF subject type. The CSV swaps the XML's code and
// classificationCode columns, so both spellings are accepted in either.
func euKind(code, classification string) tracker.Kind {
	for _, s := range []string{code, classification} {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "person", "p":
			return tracker.KindPerson
		case "enterprise", "e":
			return tracker.KindEntity
		}
	}
	// A subject type the EU adds later is kept as published rather than
	// guessed, so it shows up in the entity instead of vanishing.
	if s := strings.TrimSpace(code); s != "" {
		return tracker.Kind(strings.ToLower(s))
	}
	return tracker.Kind(strings.ToLower(strings.TrimSpace(classification)))
}

type euName struct {
	whole, first, middle, last string
	lang, strong               string
	function, gender, title    string
	logicalID                  string
}

func (b *euBuilder) alias(n euName) {
	name := tracker.CleanSpace(n.whole)
	if name == "" {
		name = tracker.CleanSpace(strings.Join([]string{n.first, n.middle, n.last}, " "))
	}
	a := tracker.Alias{Name: name, Lang: strings.TrimSpace(n.lang)}
	switch strings.ToLower(strings.TrimSpace(n.strong)) {
	case "true", "yes":
		a.Strength = "strong"
	case "false", "no":
		a.Strength = "weak"
	}
	b.names = append(b.names, a)
	id, err := strconv.ParseInt(strings.TrimSpace(n.logicalID), 10, 64)
	if err != nil {
		id = math.MaxInt64
	}
	b.nameIDs = append(b.nameIDs, id)
	if f := strings.TrimSpace(n.function); f != "" {
		b.e.Positions = append(b.e.Positions, f)
	}
	if g := tracker.CleanSpace(n.gender); g != "" && !slices.Contains(b.genders, g) {
		b.genders = append(b.genders, g)
	}
	if t := tracker.CleanSpace(n.title); t != "" && !slices.Contains(b.titles, t) {
		b.titles = append(b.titles, t)
	}
}

func (b *euBuilder) citizenship(desc, iso2, region string) {
	c := euCountry(desc, iso2)
	if r := tracker.CleanSpace(region); r != "" {
		c = source.JoinCleaned(" ", c, "("+r+")")
	}
	if c != "" {
		b.e.Nationalities = append(b.e.Nationalities, c)
	}
}

type euBirth struct {
	full, day, month, year, from, to, circa, calendar string
	place, city, zip, region, country                 string
}

func (b *euBuilder) birth(x euBirth) {
	if d := euBirthDate(x); d != "" {
		b.e.BirthDates = append(b.e.BirthDates, d)
	}
	if pl := source.JoinCleaned(", ", x.place, x.city, x.zip, x.region, x.country); pl != "" {
		b.e.BirthPlaces = append(b.e.BirthPlaces, pl)
	}
}

// euBirthDate renders an FSF birth date as a (partial) ISO date: the full
// date when given, else year, month and day as far as they are known, else
// a year range as an ISO interval. What cannot be read is kept verbatim.
func euBirthDate(x euBirth) string {
	var d string
	full := strings.TrimSpace(x.full)
	switch {
	case full != "":
		d = full
		if t, err := time.Parse(time.DateOnly, full); err == nil {
			d = t.Format(time.DateOnly)
		}
	case strings.TrimSpace(x.year) != "":
		d = euPartialDate(strings.TrimSpace(x.year), strings.TrimSpace(x.month), strings.TrimSpace(x.day))
	case strings.TrimSpace(x.from) != "" || strings.TrimSpace(x.to) != "":
		from, to := strings.TrimSpace(x.from), strings.TrimSpace(x.to)
		if from == "" {
			from = ".."
		}
		if to == "" {
			to = ".."
		}
		d = from + "/" + to
	default:
		return ""
	}
	if euBool(x.circa) {
		d = "circa " + d
	}
	if cal := strings.TrimSpace(x.calendar); cal != "" && !strings.EqualFold(cal, "GREGORIAN") {
		d += " (" + strings.ToLower(cal) + " calendar)"
	}
	return d
}

func euPartialDate(year, month, day string) string {
	verbatim := source.JoinCleaned("-", year, month, day)
	y, err := strconv.Atoi(year)
	if err != nil || y < 1 || y > 9999 {
		return verbatim
	}
	var m, d int
	if month != "" {
		if m, err = strconv.Atoi(month); err != nil || m < 1 || m > 12 {
			return verbatim
		}
	}
	if day != "" {
		if d, err = strconv.Atoi(day); err != nil || d < 1 || d > 31 || m == 0 {
			return verbatim
		}
	}
	return source.ISOPartial(y, m, d)
}

type euIdent struct {
	number, latin, typeCode, typeDesc, country, region string
	issuedBy, issued, validFrom, validTo, nameOnDoc    string
	diplomatic, knownExpired, knownFalse               string
	reportedLost, revoked                              string
	remarks                                            []string
}

func (b *euBuilder) identification(x euIdent) {
	id := tracker.Identifier{
		Type:    tracker.CleanSpace(x.typeDesc),
		Value:   tracker.CleanSpace(x.number),
		Country: x.country,
	}
	if id.Type == "" {
		id.Type = tracker.CleanSpace(x.typeCode)
	}
	if r := tracker.CleanSpace(x.region); r != "" {
		id.Country = source.JoinCleaned(" ", id.Country, "("+r+")")
	}
	latin := tracker.CleanSpace(x.latin)
	if id.Value == "" {
		id.Value, latin = latin, ""
	}
	var note []string
	add := func(label, v string) {
		if v = tracker.CleanSpace(v); v != "" {
			note = append(note, label+v)
		}
	}
	flag := func(label, v string) {
		if euBool(v) {
			note = append(note, label)
		}
	}
	if latin != id.Value {
		add("latin number ", latin)
	}
	add("issued by ", x.issuedBy)
	add("issued ", x.issued)
	add("valid from ", x.validFrom)
	add("valid to ", x.validTo)
	add("name on document: ", x.nameOnDoc)
	flag("diplomatic", x.diplomatic)
	flag("known expired", x.knownExpired)
	flag("known false", x.knownFalse)
	flag("reported lost", x.reportedLost)
	flag("revoked by issuer", x.revoked)
	for _, r := range x.remarks {
		add("", r)
	}
	id.Note = strings.Join(note, "; ")
	if id.Value == "" {
		// A document published without a number still says something
		// (its type, issuer, remarks); Canonicalize would drop it.
		id.Value = "(no number)"
	}
	b.e.Identifiers = append(b.e.Identifiers, id)
}

type euAddr struct {
	street, poBox, city, zip, region, place, country string
}

func (b *euBuilder) address(x euAddr) {
	box := tracker.CleanSpace(x.poBox)
	if box != "" && !strings.Contains(strings.ToLower(box), "box") {
		box = "P.O. Box " + box
	}
	b.e.Addresses = append(b.e.Addresses, tracker.Address{
		Street:     source.JoinCleaned(", ", x.street, box),
		City:       x.city,
		Region:     source.JoinCleaned(", ", x.place, x.region),
		PostalCode: x.zip,
		Country:    x.country,
	})
}

// contact records an address's contactInfo (phone, e-mail, website) as an
// identifier: it identifies the subject, not a place.
func (b *euBuilder) contact(key, value string) {
	if value = tracker.CleanSpace(value); value == "" {
		return
	}
	typ := tracker.CleanSpace(key)
	if typ == "" {
		typ = "contact"
	}
	b.e.Identifiers = append(b.e.Identifiers, tracker.Identifier{Type: typ, Value: value})
}

// build finishes the entity. Its name is chosen by euPrimaryName; every
// other name is an alias with its language.
func (b *euBuilder) build(file, pos string) (*tracker.Entity, error) {
	e := &b.e
	if strings.TrimSpace(e.ID) == "" {
		return nil, &source.ParseError{File: file, Pos: pos, Err: errors.New("entity without logicalId")}
	}
	best := euPrimaryName(b.names, b.nameIDs)
	if best < 0 {
		return nil, &source.ParseError{File: file, Pos: pos + " (logicalId " + e.ID + ")", Err: errors.New("entity without a name (no nameAlias with a wholeName)")}
	}
	e.Name = b.names[best].Name
	for i, a := range b.names {
		if i != best && a.Name != "" && !(a.Name == e.Name && a.Lang == b.names[best].Lang) {
			e.Aliases = append(e.Aliases, a)
		}
	}
	e.Designated = strings.TrimSpace(b.designationDate)
	switch {
	case e.Designated != "":
	case b.earliestAct.Date != "":
		e.Designated = b.earliestAct.Date
		b.attr(tracker.AttrDesignatedFrom, cmp.Or(b.earliestAct.Title, "a regulation without number"))
	default:
		e.Designated = b.earliestForce
	}
	e.Remarks = euJoinSentences(b.remarks)
	b.attr(euAttrGender, strings.Join(b.genders, ", "))
	b.attr(euAttrTitle, strings.Join(b.titles, "; "))
	return e, nil
}

// euCountry prefers the country's name; "UNKNOWN" (code "00") is the FSF's
// way of saying nothing.
func euCountry(desc, iso2 string) string {
	if d := tracker.CleanSpace(desc); d != "" && !strings.EqualFold(d, "UNKNOWN") {
		return d
	}
	if c := strings.TrimSpace(iso2); c != "" && c != "00" {
		return c
	}
	return ""
}

func euBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1":
		return true
	}
	return false
}

// euJoinSentences joins remarks into one text, with "; " where a remark
// does not already end a sentence.
func euJoinSentences(rs []string) string {
	var sb strings.Builder
	for _, r := range rs {
		if sb.Len() > 0 {
			if s := sb.String(); strings.ContainsAny(s[len(s)-1:], ".!?;") {
				sb.WriteString(" ")
			} else {
				sb.WriteString("; ")
			}
		}
		sb.WriteString(r)
	}
	return sb.String()
}

// euPrimaryName picks the entity's name among its nameAlias elements,
// whose order means nothing: the first is often a translation
// (nameLanguage="FR" in the real 2020 excerpt, before the untranslated
// name). Preferred: an untranslated name (nameLanguage ""), then an
// English one, then a strong one, then any; among equals the strong one,
// then the lowest nameAlias logicalId (the EU's oldest record of a name:
// the one it first listed the subject under), then document order. -1
// when no alias has a name.
func euPrimaryName(names []tracker.Alias, ids []int64) int {
	rank := func(a tracker.Alias) int {
		switch {
		case a.Lang == "":
			return 0
		case strings.EqualFold(a.Lang, "EN"):
			return 1
		case a.Strength == "strong":
			return 2
		}
		return 3
	}
	best := -1
	for i, a := range names {
		if a.Name == "" {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := names[best]
		switch {
		case rank(a) != rank(b):
			if rank(a) < rank(b) {
				best = i
			}
		case (a.Strength == "strong") != (b.Strength == "strong"):
			if a.Strength == "strong" {
				best = i
			}
		case ids[i] < ids[best]:
			best = i
		}
	}
	return best
}
