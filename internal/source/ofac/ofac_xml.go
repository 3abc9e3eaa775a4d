package ofac

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// The elements of sdn.xml (and consolidated.xml, same schema) that are
// read. Tags name local names only, so that one set reads both namespaces
// OFAC has published the schema in (ofacNamespaces); the root's namespace
// is checked against those.
type ofacXMLEntry struct {
	UID           string           `xml:"uid"`
	FirstName     string           `xml:"firstName"`
	LastName      string           `xml:"lastName"`
	Title         string           `xml:"title"`
	SDNType       string           `xml:"sdnType"`
	Remarks       string           `xml:"remarks"`
	Programs      []string         `xml:"programList>program"`
	IDs           []ofacXMLID      `xml:"idList>id"`
	AKAs          []ofacXMLAKA     `xml:"akaList>aka"`
	Addresses     []ofacXMLAddress `xml:"addressList>address"`
	Nationalities []ofacXMLCountry `xml:"nationalityList>nationality"`
	Citizenships  []ofacXMLCountry `xml:"citizenshipList>citizenship"`
	BirthDates    []string         `xml:"dateOfBirthList>dateOfBirthItem>dateOfBirth"`
	BirthPlaces   []string         `xml:"placeOfBirthList>placeOfBirthItem>placeOfBirth"`
	Vessel        *ofacXMLVessel   `xml:"vesselInfo"`
	// Unknown catches the entry's child elements not read above: format
	// drift, reported once per parse. Elements inside the lists (an aka's
	// new child) are not watched.
	Unknown []ofacXMLAny `xml:",any"`
}

// ofacXMLAny is an element the parser does not read; only its name is kept.
type ofacXMLAny struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

type ofacXMLID struct {
	Type       string `xml:"idType"`
	Number     string `xml:"idNumber"`
	Country    string `xml:"idCountry"`
	IssueDate  string `xml:"issueDate"`
	Expiration string `xml:"expirationDate"`
}

type ofacXMLAKA struct {
	Type      string `xml:"type"`
	Category  string `xml:"category"`
	FirstName string `xml:"firstName"`
	LastName  string `xml:"lastName"`
}

type ofacXMLAddress struct {
	Address1   string `xml:"address1"`
	Address2   string `xml:"address2"`
	Address3   string `xml:"address3"`
	City       string `xml:"city"`
	State      string `xml:"stateOrProvince"`
	PostalCode string `xml:"postalCode"`
	Country    string `xml:"country"`
}

type ofacXMLCountry struct {
	Country string `xml:"country"`
}

type ofacXMLVessel struct {
	CallSign    string `xml:"callSign"`
	VesselType  string `xml:"vesselType"`
	VesselFlag  string `xml:"vesselFlag"`
	VesselOwner string `xml:"vesselOwner"`
	Tonnage     string `xml:"tonnage"`
	GRT         string `xml:"grossRegisteredTonnage"`
}

type ofacXMLInfo struct {
	PublishDate string `xml:"Publish_Date"`
	RecordCount string `xml:"Record_Count"`
}

// ofacNamespaces are the namespaces OFAC has published sdn.xml in: the
// legacy one, and the one of its Sanctions List Service since 2025. A file
// in any other is refused rather than read by local names: a new namespace
// is how a publisher marks a new schema, whose elements may have moved or
// changed meaning, and a field read wrongly would be announced as an
// amendment or a delisting.
var ofacNamespaces = []string{
	"http://tempuri.org/sdnList.xsd",
	"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML",
}

// ofacXML streams one sdn.xml: a token loop over the children of the root,
// and one sdnEntry at a time decoded and turned into an entity, so memory
// holds the entities and never a document tree.
type ofacXML struct {
	source.XMLReader
	drift   source.DriftLog
	pub     *source.Publication
	info    *ofacXMLInfo
	infoPos string
	// scratch is decoded into for every entry, to reuse its slices.
	scratch  ofacXMLEntry
	recordNo int
	// The line of each uid's entry: two entries with one uid are an
	// error, never merged, and the message says where both are.
	lineOf map[string]int
}

func parseOFACXML(ctx context.Context, file string, data []byte) (*source.Publication, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	// XML 1.0 allows DEL and the C1 controls, which no list has.
	if err := source.CheckControls(file, data, 0); err != nil {
		return nil, err
	}
	p := &ofacXML{
		XMLReader: source.NewXMLReader(file, data),
		drift:     source.DriftLog{List: "ofac", File: file},
		pub:       &source.Publication{Entities: make([]*tracker.Entity, 0, len(data)/1500)},
		lineOf:    make(map[string]int, len(data)/1500),
	}
	if err := p.root(); err != nil {
		return nil, err
	}
	for {
		tok, err := p.Dec.Token()
		if err != nil {
			return nil, p.SyntaxErr(err, "<sdnList>")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.child(ctx, t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			return p.end()
		}
	}
}

// child reads one child element of <sdnList>. Any element but the two the
// schema has there is drift, noted and skipped.
func (p *ofacXML) child(ctx context.Context, t xml.StartElement) error {
	switch t.Name.Local {
	case "publshInformation":
		return p.publishInformation(t)
	case "sdnEntry":
		return p.entry(ctx, t)
	default:
		p.drift.Note(tracker.DriftElement, "sdnList/"+t.Name.Local, "", p.Pos())
		return p.Skip(t)
	}
}

// publishInformation reads the list's date and its Record_Count, which
// end checks once every entry is read.
func (p *ofacXML) publishInformation(t xml.StartElement) error {
	if p.info != nil {
		return p.ErrAt(errors.New("a second <publshInformation>"))
	}
	p.info, p.infoPos = &ofacXMLInfo{}, p.Pos()
	if err := p.Dec.DecodeElement(p.info, &t); err != nil {
		return p.SyntaxErr(err, "<publshInformation>")
	}
	var err error
	if p.pub.PublishedAt, err = ofacPublishDate(p.info.PublishDate); err != nil {
		return &source.ParseError{File: p.File, Pos: p.infoPos, Err: err}
	}
	return nil
}

// entry decodes one sdnEntry into an entity. Its errors name the line and
// the record's number, and its uid when it has one.
func (p *ofacXML) entry(ctx context.Context, t xml.StartElement) error {
	if p.recordNo++; p.recordNo%ofacCtxEvery == 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("parse %s: %w", p.File, err)
		}
	}
	line, _ := p.Dec.InputPos()
	x := &p.scratch
	x.reset()
	if err := p.Dec.DecodeElement(x, &t); err != nil {
		return p.SyntaxErr(err, "<sdnEntry>")
	}
	for _, u := range x.Unknown {
		p.drift.Note(tracker.DriftElement, "sdnEntry/"+u.XMLName.Local, strings.TrimSpace(u.Text), fmt.Sprintf("line %d", line))
	}
	e, err := x.entity()
	if err != nil {
		pos := fmt.Sprintf("line %d, record %d", line, p.recordNo)
		if u := strings.TrimSpace(x.UID); u != "" {
			pos += " (uid " + u + ")"
		}
		return &source.ParseError{File: p.File, Pos: pos, Err: err}
	}
	if first, dup := p.lineOf[e.ID]; dup {
		return &source.ParseError{File: p.File, Pos: fmt.Sprintf("line %d, record %d (uid %s)", line, p.recordNo, e.ID),
			Err: fmt.Errorf("uid %s again (first on line %d): two entries with one uid", e.ID, first)}
	}
	p.lineOf[e.ID] = line
	p.pub.Entities = append(p.pub.Entities, e)
	return nil
}

// end follows </sdnList>: nothing may come after it, and the entries read
// must be as many as the file says it holds.
func (p *ofacXML) end() (*source.Publication, error) {
	if err := p.Trailer("sdnList"); err != nil {
		return nil, err
	}
	if err := ofacCheckCount(p.File, p.info, p.infoPos, len(p.pub.Entities)); err != nil {
		return nil, err
	}
	p.pub.Sealed = true
	p.pub.Drift = p.drift.Drift()
	return p.pub, nil
}

// ofacCheckCount compares the entries read with the count the file states
// for itself. An XML file cut between two entries and closed again, or an
// excerpt, is well-formed: the count is what tells it from the full list,
// and a missing entry would be announced as a delisting.
func ofacCheckCount(file string, info *ofacXMLInfo, pos string, n int) error {
	if info == nil {
		return &source.ParseError{File: file, Err: errors.New("no <publshInformation> with a Record_Count: cannot tell the full list from a part of it")}
	}
	want, err := strconv.Atoi(strings.TrimSpace(info.RecordCount))
	if err != nil || want < 0 {
		return &source.ParseError{File: file, Pos: pos, Err: fmt.Errorf("Record_Count %q is not a number", info.RecordCount)}
	}
	if want != n {
		return &source.ParseError{File: file, Pos: pos, Err: fmt.Errorf("Record_Count is %d but the file holds %d sdnEntry elements: an excerpt or a damaged file, not the full list", want, n)}
	}
	return nil
}

// ofacPublishDate reads Publish_Date, which OFAC writes MM/DD/YYYY.
func ofacPublishDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	d, err := source.PublicationDate(s, source.FormMonthDayYear)
	if err != nil {
		return "", fmt.Errorf("Publish_Date: %w", err)
	}
	return d, nil
}

// root checks that the file is an sdnList in a namespace OFAC uses. An
// HTML page is named as such: it is what a server sends in place of the
// list when something is wrong.
func (p *ofacXML) root() error {
	t, err := p.Root("not an OFAC list file", func(d xml.Directive) error {
		if bytes.HasPrefix(bytes.ToLower(d), []byte("doctype html")) {
			return p.ErrAt(errors.New("not an OFAC list file: an HTML page"))
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch name := t.Name.Local; {
	case name == "sdnList" && !slices.Contains(ofacNamespaces, t.Name.Space):
		if t.Name.Space == "" {
			return p.ErrAt(fmt.Errorf("<sdnList> without a namespace: not a schema OFAC publishes (want xmlns %q or %q)", ofacNamespaces[0], ofacNamespaces[1]))
		}
		return p.ErrAt(fmt.Errorf("<sdnList> in namespace %q: not a schema OFAC has published (want %q or %q); a new schema must be checked before it is read",
			t.Name.Space, ofacNamespaces[0], ofacNamespaces[1]))
	case name == "sdnList":
		return nil
	case strings.EqualFold(name, "html"):
		return p.ErrAt(errors.New("not an OFAC list file: an HTML page"))
	default:
		return p.ErrAt(fmt.Errorf("not an OFAC list file: root element <%s>, want <sdnList>", name))
	}
}

// reset empties the entry for the next one, keeping its slices' storage:
// the entity built from it copies what it keeps. The storage is zeroed,
// because the decoder extends a slice over its old elements and sets only
// the fields the new element has: a stale idCountry would otherwise pass
// to the next entry's id that has none.
func (x *ofacXMLEntry) reset() {
	*x = ofacXMLEntry{
		Programs:      ofacZeroed(x.Programs),
		IDs:           ofacZeroed(x.IDs),
		AKAs:          ofacZeroed(x.AKAs),
		Addresses:     ofacZeroed(x.Addresses),
		Nationalities: ofacZeroed(x.Nationalities),
		Citizenships:  ofacZeroed(x.Citizenships),
		BirthDates:    ofacZeroed(x.BirthDates),
		BirthPlaces:   ofacZeroed(x.BirthPlaces),
		Unknown:       ofacZeroed(x.Unknown),
	}
}

func ofacZeroed[T any](s []T) []T {
	s = s[:cap(s)]
	clear(s)
	return s[:0]
}

func (x *ofacXMLEntry) entity() (*tracker.Entity, error) {
	id, err := ofacNumber("uid", x.UID)
	if err != nil {
		return nil, err
	}
	e := &tracker.Entity{ID: id, Name: ofacName(x.FirstName, x.LastName), Kind: ofacKind(x.SDNType)}
	if e.Name == "" {
		return nil, fmt.Errorf("uid %s has no name", id)
	}
	e.Remarks = ofacXMLRemarks(x.Remarks)
	e.Positions = ofacPositions(x.Title)
	for _, p := range x.Programs {
		if p = strings.TrimSpace(p); p != "" {
			e.Programs = append(e.Programs, p)
		}
	}
	if len(x.AKAs) > 0 {
		e.Aliases = make([]tracker.Alias, 0, len(x.AKAs))
	}
	for _, a := range x.AKAs {
		e.Aliases = append(e.Aliases, tracker.Alias{
			Name:     ofacName(a.FirstName, a.LastName),
			Type:     ofacAliasType(a.Type),
			Strength: strings.ToLower(strings.TrimSpace(a.Category)),
		})
	}
	for _, a := range x.Addresses {
		e.Addresses = append(e.Addresses, tracker.Address{
			Street:     source.JoinTrimmed(", ", a.Address1, a.Address2, a.Address3),
			City:       a.City,
			Region:     a.State,
			PostalCode: a.PostalCode,
			Country:    a.Country,
		})
	}
	if len(x.IDs) > 0 {
		e.Identifiers = make([]tracker.Identifier, 0, len(x.IDs))
	}
	for _, i := range x.IDs {
		number, country := strings.TrimSpace(i.Number), strings.TrimSpace(i.Country)
		if country == "" {
			// Some numbers carry their country in parentheses instead
			// of in idCountry; the CSV cannot tell the two apart, so
			// both formats read them as a country.
			number, country = ofacCutCountry(number)
		}
		e.Identifiers = append(e.Identifiers, ofacIdentifier(i.Type, number, country, i.IssueDate, i.Expiration))
	}
	for _, d := range x.BirthDates {
		e.BirthDates = append(e.BirthDates, source.DayMonAbbrevYear(d))
	}
	for _, pl := range x.BirthPlaces {
		e.BirthPlaces = append(e.BirthPlaces, strings.TrimSpace(pl))
	}
	for _, c := range x.Nationalities {
		e.Nationalities = append(e.Nationalities, strings.TrimSpace(c.Country))
	}
	for _, c := range x.Citizenships {
		e.Nationalities = append(e.Nationalities, strings.TrimSpace(c.Country))
	}
	if v := x.Vessel; v != nil {
		ofacVessel(e, v.CallSign, v.VesselType, v.Tonnage, v.GRT, v.VesselFlag, v.VesselOwner)
	}
	return e, nil
}

// ofacXMLRemarks writes the XML's "(Linked To: X)" the way the CSV does,
// "Linked To: X", so both formats give the same remarks.
func ofacXMLRemarks(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "(Linked To: ") {
		return s
	}
	items := strings.Split(s, "; ")
	for i, it := range items {
		if strings.HasPrefix(it, "(Linked To: ") && strings.HasSuffix(it, ")") {
			items[i] = it[1 : len(it)-1]
		}
	}
	return strings.Join(items, "; ")
}
