package uk

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// The UK Sanctions List, published by the FCDO: since 28 January 2026 the
// single official list of UK designations. It comes as XML and as CSV (the
// same URL with .csv); both hold one designation per UniqueID, one regime
// each. The UniqueID (CYB0046) is the UK Sanctions List reference, which the
// OFSI ConList also carried, so its history lines up with this list.

const ukFCDOList = "uk-sanctions-list"

// ParseSanctionsList parses the FCDO UK Sanctions List in either of its
// formats, told apart by content rather than by name: XML or CSV.
func ParseSanctionsList(ctx context.Context, files []source.RawFile) (*source.Publication, error) {
	f, err := ukOneFile(ukFCDOList, files)
	if err != nil {
		return nil, err
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(f.Data, []byte("\xef\xbb\xbf")), " \t\r\n")
	var pub *source.Publication
	if len(head) > 0 && head[0] == '<' {
		pub, err = parseFCDOXML(ctx, f)
	} else {
		pub, err = parseFCDOCSV(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	return source.Finish(f.Name, pub)
}

// XML ------------------------------------------------------------------------

// fcdoDesignation is one <Designation>. Element names follow the published
// XML (and OpenSanctions' gb_fcdo_sanctions crawler); Unknown catches
// elements added later, which are reported, not silently dropped.
type fcdoDesignation struct {
	LastUpdated          string             `xml:"LastUpdated"`
	DateDesignated       string             `xml:"DateDesignated"`
	UniqueID             string             `xml:"UniqueID"`
	OFSIGroupID          string             `xml:"OFSIGroupID"`
	UNReferenceNumber    string             `xml:"UNReferenceNumber"`
	Names                []fcdoName         `xml:"Names>Name"`
	NonLatinNames        []fcdoNonLatinName `xml:"NonLatinNames>NonLatinName"`
	Titles               []string           `xml:"Titles>Title"`
	RegimeNames          []string           `xml:"RegimeName"`
	IndividualEntityShip string             `xml:"IndividualEntityShip"`
	DesignationSource    string             `xml:"DesignationSource"`
	SanctionsImposed     string             `xml:"SanctionsImposed"`
	OtherInformation     string             `xml:"OtherInformation"`
	UKStatementofReasons string             `xml:"UKStatementofReasons"`
	Addresses            []fcdoAddress      `xml:"Addresses>Address"`
	PhoneNumbers         []string           `xml:"PhoneNumbers>PhoneNumber"`
	EmailAddresses       []string           `xml:"EmailAddresses>EmailAddress"`
	Websites             []string           `xml:"Websites>Website"`
	Individuals          []fcdoIndividual   `xml:"IndividualDetails>Individual"`
	EntityDetails        []fcdoNode         `xml:"EntityDetails"`
	ShipDetails          []fcdoNode         `xml:"ShipDetails"`
	// SanctionsImposedIndicators restates SanctionsImposed as flags.
	SanctionsImposedIndicators fcdoNode   `xml:"SanctionsImposedIndicators"`
	Unknown                    []fcdoNode `xml:",any"`
}

type fcdoName struct {
	Name1         string     `xml:"Name1"`
	Name2         string     `xml:"Name2"`
	Name3         string     `xml:"Name3"`
	Name4         string     `xml:"Name4"`
	Name5         string     `xml:"Name5"`
	Name6         string     `xml:"Name6"`
	NameType      string     `xml:"NameType"`
	AliasStrength string     `xml:"AliasStrength"`
	Unknown       []fcdoNode `xml:",any"`
}

type fcdoNonLatinName struct {
	Name     string     `xml:"NameNonLatinScript"`
	Script   string     `xml:"NonLatinScriptType"`
	Language string     `xml:"NonLatinScriptLanguage"`
	Unknown  []fcdoNode `xml:",any"`
}

type fcdoAddress struct {
	Line1    string     `xml:"AddressLine1"`
	Line2    string     `xml:"AddressLine2"`
	Line3    string     `xml:"AddressLine3"`
	Line4    string     `xml:"AddressLine4"`
	Line5    string     `xml:"AddressLine5"`
	Line6    string     `xml:"AddressLine6"`
	Postcode string     `xml:"AddressPostalCode"`
	Country  string     `xml:"AddressCountry"`
	Unknown  []fcdoNode `xml:",any"`
}

type fcdoIndividual struct {
	DOBs          []string `xml:"DOBs>DOB"`
	Nationalities []string `xml:"Nationalities>Nationality"`
	Positions     []string `xml:"Positions>Position"`
	Genders       []string `xml:"Genders>Gender"`
	Titles        []string `xml:"Titles>Title"`
	Births        []struct {
		Town    string `xml:"TownOfBirth"`
		Country string `xml:"CountryOfBirth"`
	} `xml:"BirthDetails>Location"`
	Passports []struct {
		Number string `xml:"PassportNumber"`
		Info   string `xml:"PassportAdditionalInformation"`
	} `xml:"PassportDetails>Passport"`
	NationalIDs []struct {
		Number string `xml:"NationalIdentifierNumber"`
		Info   string `xml:"NationalIdentifierAdditionalInformation"`
	} `xml:"NationalIdentifierDetails>NationalIdentifier"`
	Unknown []fcdoNode `xml:",any"`
}

// fcdoNode is any element, kept as a tree. Entity and ship details are read
// by the names of their leaves, because no published file here shows their
// wrapper elements.
type fcdoNode struct {
	XMLName xml.Name
	Text    string     `xml:",chardata"`
	Nodes   []fcdoNode `xml:",any"`
}

func (n *fcdoNode) leaves(fn func(name, text string)) {
	if len(n.Nodes) == 0 {
		fn(n.XMLName.Local, n.Text)
		return
	}
	for i := range n.Nodes {
		n.Nodes[i].leaves(fn)
	}
}

// fcdoDetailLeaves maps the leaf elements of EntityDetails and ShipDetails
// (the fcdo names of ukDetails).
var fcdoDetailLeaves = ukDetailsBy(func(d ukDetail) string { return d.fcdo })

func parseFCDOXML(ctx context.Context, f source.RawFile) (*source.Publication, error) {
	// XML 1.0 allows DEL and the C1 controls, which no list has.
	if err := source.CheckControls(f.Name, f.Data, 0); err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(f.Data))
	w := &ukWarner{list: ukFCDOList, file: f.Name}
	line := func() string { l, _ := dec.InputPos(); return fmt.Sprintf("line %d", l) }
	pub := &source.Publication{}
	dates := ukDates{}
	root := false
	// The line of each UniqueID's designation: two designations with one
	// id are an error, never merged, and the message says where both are.
	lineOf := make(map[string]int)
	for n := 0; ; {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fcdoXMLError(f.Name, dec, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !root {
			if se.Name.Local != "Designations" {
				return nil, &source.ParseError{File: f.Name, Pos: line(), Err: fmt.Errorf("root element <%s>, want <Designations>: not a UK Sanctions List XML", se.Name.Local)}
			}
			root = true
			continue
		}
		switch se.Name.Local {
		case "DateGenerated":
			var s string
			if err := dec.DecodeElement(&s, &se); err != nil {
				return nil, fcdoXMLError(f.Name, dec, err)
			}
			// The XML's form is not documented; accept the forms the
			// UK publishes dates in and refuse anything else.
			if pub.PublishedAt, err = source.PublicationDate(s, source.FormISO, source.FormDayMonthYear, source.FormDayMonAbbrevYear); err != nil {
				return nil, &source.ParseError{File: f.Name, Pos: line(), Err: fmt.Errorf("DateGenerated: %w", err)}
			}
		case "Designation":
			n++
			if n%512 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			start, _ := dec.InputPos()
			var d fcdoDesignation
			if err := dec.DecodeElement(&d, &se); err != nil {
				return nil, fcdoXMLError(f.Name, dec, err)
			}
			e, err := d.entity(f.Name, start, n, w, dates)
			if err != nil {
				return nil, err
			}
			if first, dup := lineOf[e.ID]; dup {
				return nil, &source.ParseError{File: f.Name, Pos: fmt.Sprintf("line %d (designation %d, %s)", start, n, e.ID),
					Err: fmt.Errorf("UniqueID %s again (first on line %d): two designations with one id", e.ID, first)}
			}
			lineOf[e.ID] = start
			pub.Entities = append(pub.Entities, e)
		default:
			w.warn("uk-sanctions-list: new XML element", "element", se.Name.Local)
			if err := dec.Skip(); err != nil {
				return nil, fcdoXMLError(f.Name, dec, err)
			}
		}
	}
	if !root {
		return nil, &source.ParseError{File: f.Name, Err: errors.New("no <Designations> element: empty or not XML")}
	}
	pub.Drift = w.drift
	return pub, nil
}

// fcdoXMLError places an XML error at its line: a truncated download ends in
// "unexpected EOF" at the last line read.
func fcdoXMLError(file string, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Msg == "unexpected EOF" {
		return &source.ParseError{File: file, Pos: fmt.Sprintf("line %d", se.Line), Err: errors.New("unexpected EOF: the file ends inside an element: truncated")}
	}
	if errors.As(err, &se) {
		return &source.ParseError{File: file, Pos: fmt.Sprintf("line %d", se.Line), Err: errors.New(se.Msg)}
	}
	l, _ := dec.InputPos()
	return &source.ParseError{File: file, Pos: fmt.Sprintf("line %d", l), Err: err}
}

// entity reads one designation in the steps of its XML: the designation's
// own values, its names, its contacts, the individuals and the entity or
// ship details. Elements the parser does not know are warned of, each at
// its parent.
func (d *fcdoDesignation) entity(file string, line, n int, w *ukWarner, dates ukDates) (*tracker.Entity, error) {
	b := newUKBuilder(line, dates)
	pos := fmt.Sprintf("line %d (designation %d)", line, n)
	b.e.ID = strings.TrimSpace(d.UniqueID)
	if b.e.ID == "" {
		return nil, &source.ParseError{File: file, Pos: pos, Err: errors.New("designation without UniqueID")}
	}
	pos = fmt.Sprintf("line %d (designation %d, %s)", line, n, b.e.ID)
	d.values(b, w)
	d.names(b, w)
	d.contacts(b, w)
	for i := range d.Individuals {
		d.Individuals[i].apply(b, w)
	}
	d.details(b, w)
	ukWarnUnknown(w, "Designation", d.Unknown)
	return b.finish(w, file, pos, "designation")
}

// values adds what the designation says once: references, dates, regimes,
// its kind and the texts about it.
func (d *fcdoDesignation) values(b *ukBuilder, w *ukWarner) {
	b.attr(ukAttrRef, b.e.ID)
	b.attr(ukAttrGroupID, d.OFSIGroupID)
	b.attr(ukAttrUNRef, d.UNReferenceNumber)
	b.dateAttr(ukAttrLastUpdated, d.LastUpdated)
	b.designated(d.DateDesignated)
	b.attr(ukAttrSanctions, d.SanctionsImposed)
	b.attr(ukAttrSource, d.DesignationSource)
	b.attr(ukAttrReasons, d.UKStatementofReasons)
	b.attr(ukAttrOtherInfo, d.OtherInformation)
	b.kind(d.IndividualEntityShip)
	for _, r := range d.RegimeNames {
		b.program(r)
		w.regime(strings.TrimSpace(r), b.e.ID)
	}
}

// names adds the Latin and non-Latin names and the titles.
func (d *fcdoDesignation) names(b *ukBuilder, w *ukWarner) {
	for _, nm := range d.Names {
		b.addName(ukJoinName([]string{nm.Name1, nm.Name2, nm.Name3, nm.Name4, nm.Name5, nm.Name6}), nm.NameType, nm.AliasStrength)
		ukWarnUnknown(w, "Name", nm.Unknown)
	}
	for _, nl := range d.NonLatinNames {
		b.addNonLatin(nl.Name, nl.Script, nl.Language)
		ukWarnUnknown(w, "NonLatinName", nl.Unknown)
	}
	for _, t := range d.Titles {
		b.attr(ukAttrTitle, t)
	}
}

// contacts adds addresses, phone numbers, email addresses and websites.
func (d *fcdoDesignation) contacts(b *ukBuilder, w *ukWarner) {
	for _, a := range d.Addresses {
		b.address([]string{a.Line1, a.Line2, a.Line3, a.Line4, a.Line5, a.Line6}, a.Postcode, a.Country)
		ukWarnUnknown(w, "Address", a.Unknown)
	}
	for _, p := range d.PhoneNumbers {
		b.ident(ukIDPhone, p, "")
	}
	for _, m := range d.EmailAddresses {
		b.ident(ukIDEmail, m, "")
	}
	for _, s := range d.Websites {
		b.ident(ukIDWebsite, s, "")
	}
}

// apply adds one <Individual>: a person's dates, places, nationalities and
// documents.
func (ind *fcdoIndividual) apply(b *ukBuilder, w *ukWarner) {
	for _, v := range ind.DOBs {
		b.dob(v)
	}
	for _, v := range ind.Nationalities {
		b.nationality(v)
	}
	for _, v := range ind.Positions {
		b.position(v)
	}
	for _, v := range ind.Genders {
		b.attr(ukAttrGender, v)
	}
	for _, v := range ind.Titles {
		b.attr(ukAttrTitle, v)
	}
	for _, l := range ind.Births {
		b.birthPlace(l.Town, l.Country)
	}
	for _, p := range ind.Passports {
		b.ident(ukIDPassport, p.Number, p.Info)
	}
	for _, p := range ind.NationalIDs {
		b.ident(ukIDNationalID, p.Number, p.Info)
	}
	ukWarnUnknown(w, "Individual", ind.Unknown)
}

// details adds the leaves of EntityDetails and ShipDetails by their names;
// a leaf with text the parser does not know is warned of.
func (d *fcdoDesignation) details(b *ukBuilder, w *ukWarner) {
	for _, group := range [][]fcdoNode{d.EntityDetails, d.ShipDetails} {
		for i := range group {
			group[i].leaves(func(name, text string) {
				if fn, ok := fcdoDetailLeaves[name]; ok {
					fn(b, text)
				} else if strings.TrimSpace(text) != "" {
					w.warn("uk-sanctions-list: new XML element", "element", group[i].XMLName.Local+"/"+name)
				}
			})
		}
	}
}

func ukWarnUnknown(w *ukWarner, parent string, nodes []fcdoNode) {
	for _, n := range nodes {
		w.warn("uk-sanctions-list: new XML element", "element", parent+"/"+n.XMLName.Local)
	}
}

// CSV ------------------------------------------------------------------------

// fcdoCSVColumns are the columns of the UK Sanctions List CSV, each with what
// it feeds. All must be present: a column that disappears is a format change
// the parser must not guess its way through.
var fcdoCSVColumns = []string{
	"Last Updated", "Unique ID", "OFSI Group ID", "UN Reference Number",
	"Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name type", "Alias strength", "Title",
	"Name non-latin script", "Non-latin script type", "Non-latin script language",
	"Regime Name", "Designation Type", "Designation source", "Sanctions Imposed",
	"Other Information", "UK Statement of Reasons",
	"Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Address Line 5", "Address Line 6",
	"Address Postal Code", "Address Country", "Phone number", "Website", "Email address",
	"Date Designated", "D.O.B", "Nationality(/ies)",
	"National Identifier number", "National Identifier additional information",
	"Passport number", "Passport additional information", "Position", "Gender",
	"Town of birth", "Country of birth",
	"Type of entity", "Subsidiaries", "Parent company", "Business registration number (s)",
	"IMO number", "Current owner/operator (s)", "Previous owner/operator (s)",
	"Current believed flag of ship", "Previous flags", "Type of ship", "Tonnage of ship",
	"Length of ship", "Year Built", "Hull identification number (HIN)",
}

// UKCSVUnknownColumns returns the columns of a UK Sanctions List CSV header
// that the parser does not read. The parser logs each as a warning
// (slog, "uk-sanctions-list: new column") and carries on; the function lets a
// caller or a test see the same list.
func UKCSVUnknownColumns(header []string) []string {
	c, _, err := newUKColumns(header, fcdoCSVColumns)
	if err != nil {
		return nil
	}
	return c.unknown
}

// fcdoCols are the column indexes of one file.
type fcdoCols struct {
	ukRowCols
	lastUpdated, id, group, unRef                   int
	nameType, strength, title                       int
	regime, kind, source, sanctions, other, reasons int
	phone, website, email                           int
	designated, dob, nationality                    int
	nidNumber, nidInfo, passport, passportInfo      int
	position, gender                                int
	entityType, subsidiaries, parent, businessNo    int
	imo, owners, prevOwners, flag, prevFlags        int
	shipType, tonnage, length, yearBuilt, hin       int
}

func parseFCDOCSV(ctx context.Context, f source.RawFile) (*source.Publication, error) {
	// The FCDO writes UTF-8; ukText's Windows-1252 reading is for OFSI's
	// older files, and would make up characters from a damaged one.
	text := bytes.TrimPrefix(f.Data, []byte("\xef\xbb\xbf"))
	if err := source.CheckUTF8(f.Name, text, len(f.Data)-len(text)); err != nil {
		return nil, err
	}
	rows := newUKCSV(f.Name, ukText(f.Data))
	pub := &source.Publication{}
	header, err := fcdoCSVHeader(rows, pub)
	if err != nil {
		return nil, err
	}
	cols, err := rows.header(header, fcdoCSVColumns, "a UK Sanctions List CSV")
	if err != nil {
		return nil, err
	}
	w := newUKCSVWarner(ukFCDOList, f.Name, cols.unknown)
	order, err := fcdoColsOf(cols).designations(ctx, rows, w)
	if err != nil {
		return nil, err
	}
	for _, b := range order {
		e, err := b.finish(w, f.Name, fmt.Sprintf("line %d (%s)", b.line, b.e.ID), "designation")
		if err != nil {
			return nil, err
		}
		pub.Entities = append(pub.Entities, e)
	}
	pub.Drift = w.drift
	return pub, nil
}

// fcdoCSVHeader reads the lines before the rows and returns the header.
// Line 1 is "Report Date: 08-Oct-2026", the publication date; a file that
// starts with the header directly is tolerated.
func fcdoCSVHeader(rows *ukCSV, pub *source.Publication) ([]string, error) {
	first, err := rows.first()
	if err != nil {
		return nil, err
	}
	if len(first) == 0 || !strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(first[0], "\ufeff")), "Report Date") {
		return first, nil
	}
	_, d, _ := strings.Cut(strings.Join(first, ","), ":")
	if pub.PublishedAt, err = source.PublicationDate(strings.Trim(d, " ,"), source.FormDayMonAbbrevYear, source.FormDayMonthYear, source.FormISO); err != nil {
		return nil, &source.ParseError{File: rows.file, Pos: "line 1", Err: fmt.Errorf("the \"Report Date\" line: %w", err)}
	}
	return rows.read()
}

// designations reads the rows into one builder per Unique ID: a
// designation spans a row per name, address …
func (c *fcdoCols) designations(ctx context.Context, rows *ukCSV, w *ukWarner) ([]*ukBuilder, error) {
	dates := ukDates{}
	return ukGroups(ctx, rows, c.id, "Unique ID",
		func(id string, line int) *ukBuilder {
			b := newUKBuilder(line, dates)
			b.e.ID = id
			b.attr(ukAttrRef, b.e.ID)
			return b
		},
		func(b *ukBuilder, row []string, _ int) { c.apply(b, row, w) })
}

func fcdoColsOf(cols *ukColumns) *fcdoCols {
	x := cols.col
	return &fcdoCols{
		ukRowCols:   newUKRowCols(cols, "Address Line %d", "Address Postal Code", "Address Country"),
		lastUpdated: x("Last Updated"), id: x("Unique ID"), group: x("OFSI Group ID"), unRef: x("UN Reference Number"),
		nameType: x("Name type"), strength: x("Alias strength"), title: x("Title"),
		regime: x("Regime Name"), kind: x("Designation Type"), source: x("Designation source"), sanctions: x("Sanctions Imposed"),
		other: x("Other Information"), reasons: x("UK Statement of Reasons"),
		phone: x("Phone number"), website: x("Website"), email: x("Email address"),
		designated: x("Date Designated"), dob: x("D.O.B"), nationality: x("Nationality(/ies)"),
		nidNumber: x("National Identifier number"), nidInfo: x("National Identifier additional information"),
		passport: x("Passport number"), passportInfo: x("Passport additional information"),
		position: x("Position"), gender: x("Gender"),
		entityType: x("Type of entity"), subsidiaries: x("Subsidiaries"), parent: x("Parent company"),
		businessNo: x("Business registration number (s)"),
		imo:        x("IMO number"), owners: x("Current owner/operator (s)"), prevOwners: x("Previous owner/operator (s)"),
		flag: x("Current believed flag of ship"), prevFlags: x("Previous flags"), shipType: x("Type of ship"),
		tonnage: x("Tonnage of ship"), length: x("Length of ship"), yearBuilt: x("Year Built"),
		hin: x("Hull identification number (HIN)"),
	}
}

// apply adds one CSV row to its designation. Rows repeat the designation's
// values and add one name, DOB, address … each; the builder keeps sets.
func (c *fcdoCols) apply(b *ukBuilder, row []string, w *ukWarner) {
	v := func(i int) string { return strings.TrimSpace(row[i]) }
	c.name(b, row, v(c.nameType), v(c.strength))
	b.attr(ukAttrTitle, v(c.title))
	b.attr(ukAttrGroupID, v(c.group))
	b.attr(ukAttrUNRef, v(c.unRef))
	b.dateAttr(ukAttrLastUpdated, v(c.lastUpdated))
	b.program(v(c.regime))
	w.regime(v(c.regime), b.e.ID)
	b.kind(v(c.kind))
	b.attr(ukAttrSource, v(c.source))
	b.attr(ukAttrSanctions, v(c.sanctions))
	b.attr(ukAttrOtherInfo, v(c.other))
	b.attr(ukAttrReasons, v(c.reasons))
	c.address(b, row)
	b.ident(ukIDPhone, v(c.phone), "")
	b.ident(ukIDWebsite, v(c.website), "")
	b.ident(ukIDEmail, v(c.email), "")
	b.designated(v(c.designated))
	b.dob(v(c.dob))
	b.nationality(v(c.nationality))
	b.ident(ukIDNationalID, v(c.nidNumber), v(c.nidInfo))
	b.ident(ukIDPassport, v(c.passport), v(c.passportInfo))
	b.position(v(c.position))
	b.attr(ukAttrGender, v(c.gender))
	c.birthPlace(b, row)
	b.attr(ukAttrEntityType, v(c.entityType))
	b.attr(ukAttrSubsidiaries, v(c.subsidiaries))
	b.attr(ukAttrParent, v(c.parent))
	b.ident(ukIDBusinessNo, v(c.businessNo), "")
	b.ident(ukIDIMO, v(c.imo), "")
	b.attr(ukAttrOwners, v(c.owners))
	b.attr(ukAttrPreviousOwners, v(c.prevOwners))
	b.attr(ukAttrFlag, v(c.flag))
	b.attr(ukAttrPreviousFlags, v(c.prevFlags))
	b.attr(ukAttrShipType, v(c.shipType))
	b.attr(ukAttrTonnage, v(c.tonnage))
	b.attr(ukAttrLength, v(c.length))
	b.attr(ukAttrYearBuilt, v(c.yearBuilt))
	b.ident(ukIDHIN, v(c.hin), "")
}
