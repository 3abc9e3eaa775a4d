package eu

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// The csvFullSanctionsList_1_1 has one row per detail of an entity: a name,
// an address, a birth date, an identification or a citizenship, each row
// repeating the entity's own columns and its regulation. Columns are found
// by name; these must be there for the file to be read at all.
var euCSVRequired = []string{"Entity_LogicalId", "Entity_Regulation_Programme", "NameAlias_WholeName"}

// The detail sections of a row, by column prefix.
var euCSVSections = []string{"NameAlias", "Address", "BirthDate", "Identification", "Citizenship"}

// euCSVKnown are the FSF CSV's columns (lower-cased), as the
// csvFullSanctionsList_1_1 header has them, read or deliberately ignored.
// A column not among them is format drift, reported once per parse.
var euCSVKnown = func() map[string]bool {
	const header = "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_UnitedNationId;" +
		"Entity_DesignationDate;Entity_DesignationDetails;Entity_Remark;Entity_SubjectType;" +
		"Entity_SubjectType_ClassificationCode;Entity_Regulation_Type;Entity_Regulation_OrganisationType;" +
		"Entity_Regulation_PublicationDate;Entity_Regulation_EntryIntoForceDate;" +
		"Entity_Regulation_NumberTitle;Entity_Regulation_Programme;Entity_Regulation_PublicationUrl;" +
		"NameAlias_LastName;NameAlias_FirstName;NameAlias_MiddleName;NameAlias_WholeName;" +
		"NameAlias_NameLanguage;NameAlias_Gender;NameAlias_Title;NameAlias_Function;NameAlias_LogicalId;" +
		"NameAlias_RegulationLanguage;NameAlias_Remark;NameAlias_Regulation_Type;" +
		"NameAlias_Regulation_OrganisationType;NameAlias_Regulation_PublicationDate;" +
		"NameAlias_Regulation_EntryIntoForceDate;NameAlias_Regulation_NumberTitle;" +
		"NameAlias_Regulation_Programme;NameAlias_Regulation_PublicationUrl;Address_City;Address_Street;" +
		"Address_PoBox;Address_ZipCode;Address_Region;Address_Place;Address_AsAtListingTime;" +
		"Address_ContactInfo;Address_CountryIso2Code;Address_CountryDescription;Address_LogicalId;" +
		"Address_RegulationLanguage;Address_Remark;Address_Regulation_Type;" +
		"Address_Regulation_OrganisationType;Address_Regulation_PublicationDate;" +
		"Address_Regulation_EntryIntoForceDate;Address_Regulation_NumberTitle;Address_Regulation_Programme;" +
		"Address_Regulation_PublicationUrl;BirthDate_BirthDate;BirthDate_Day;BirthDate_Month;BirthDate_Year;" +
		"BirthDate_YearRangeFrom;BirthDate_YearRangeTo;BirthDate_Circa;BirthDate_CalendarType;" +
		"BirthDate_ZipCode;BirthDate_Region;BirthDate_Place;BirthDate_City;BirthDate_CountryIso2Code;" +
		"BirthDate_CountryDescription;BirthDate_LogicalId;BirthDate_RegulationLanguage;BirthDate_Remark;" +
		"BirthDate_Regulation_Type;BirthDate_Regulation_OrganisationType;" +
		"BirthDate_Regulation_PublicationDate;BirthDate_Regulation_EntryIntoForceDate;" +
		"BirthDate_Regulation_NumberTitle;BirthDate_Regulation_Programme;BirthDate_Regulation_PublicationUrl;" +
		"Identification_Number;Identification_Diplomatic;Identification_KnownExpired;" +
		"Identification_KnownFalse;Identification_ReportedLost;Identification_RevokedByIssuer;" +
		"Identification_IssuedBy;Identification_IssuedDate;Identification_ValidFrom;Identification_ValidTo;" +
		"Identification_LatinNumber;Identification_NameOnDocument;Identification_TypeCode;" +
		"Identification_TypeDescription;Identification_Region;Identification_CountryIso2Code;" +
		"Identification_CountryDescription;Identification_LogicalId;Identification_RegulationLanguage;" +
		"Identification_Remark;Identification_Regulation_Type;Identification_Regulation_OrganisationType;" +
		"Identification_Regulation_PublicationDate;Identification_Regulation_EntryIntoForceDate;" +
		"Identification_Regulation_NumberTitle;Identification_Regulation_Programme;" +
		"Identification_Regulation_PublicationUrl;Citizenship_Region;Citizenship_CountryIso2Code;" +
		"Citizenship_CountryDescription;Citizenship_LogicalId;Citizenship_RegulationLanguage;" +
		"Citizenship_Remark;Citizenship_Regulation_Type;Citizenship_Regulation_OrganisationType;" +
		"Citizenship_Regulation_PublicationDate;Citizenship_Regulation_EntryIntoForceDate;" +
		"Citizenship_Regulation_NumberTitle;Citizenship_Regulation_Programme;" +
		"Citizenship_Regulation_PublicationUrl;"
	m := map[string]bool{}
	for _, c := range strings.Split(strings.TrimSuffix(header, ";"), ";") {
		m[strings.ToLower(c)] = true
	}
	return m
}()

func euIsCSVHeader(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	return bytes.Contains(bytes.ToLower(line), []byte("entity_logicalid")) && bytes.IndexByte(line, ';') >= 0
}

type euCSVCols struct {
	// idx maps each column name, as written and lower-cased, to its index:
	// names are matched case-insensitively, without a ToLower per lookup.
	idx      map[string]int
	sections map[string][]int // section prefix → its columns
	// intern holds every value read so far. encoding/csv slices a row's
	// fields out of one string, so keeping a field would keep its whole
	// row alive; interning copies it once, and shares the values that
	// repeat on every row (regulations, URLs, countries).
	intern map[string]string
}

func newEUCSVCols(header []string) (*euCSVCols, error) {
	c := &euCSVCols{
		idx:      make(map[string]int, 2*len(header)),
		sections: make(map[string][]int, len(euCSVSections)),
		intern:   make(map[string]string, 1024),
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		lower := strings.ToLower(h)
		if _, dup := c.idx[lower]; dup {
			return nil, fmt.Errorf("column %q appears twice in the header", header[i])
		}
		c.idx[lower], c.idx[h] = i, i
		for _, s := range euCSVSections {
			if strings.HasPrefix(lower, strings.ToLower(s)+"_") {
				c.sections[s] = append(c.sections[s], i)
			}
		}
	}
	var missing []string
	for _, r := range euCSVRequired {
		if _, ok := c.idx[strings.ToLower(r)]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not an EU FSF CSV: the header lacks %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// euCSVRow reads one row's columns by name; a column the file lacks reads
// as empty.
type euCSVRow struct {
	c   *euCSVCols
	row []string
}

func (r euCSVRow) get(name string) string {
	i, ok := r.c.idx[name]
	if !ok {
		i, ok = r.c.idx[strings.ToLower(name)]
	}
	if !ok || i >= len(r.row) || r.row[i] == "" {
		return ""
	}
	v, ok := r.c.intern[r.row[i]]
	if !ok {
		v = strings.Clone(r.row[i])
		r.c.intern[v] = v
	}
	return v
}

// has reports whether the row carries a detail of the section.
func (r euCSVRow) has(section string) bool {
	for _, i := range r.c.sections[section] {
		if i < len(r.row) && strings.TrimSpace(r.row[i]) != "" {
			return true
		}
	}
	return false
}

func (r euCSVRow) notice(prefix string) tracker.Notice {
	return tracker.Notice{
		Title: r.get(prefix + "_Regulation_NumberTitle"),
		Date:  r.get(prefix + "_Regulation_PublicationDate"),
		URL:   r.get(prefix + "_Regulation_PublicationUrl"),
	}
}

func parseEUCSV(ctx context.Context, file string, data []byte) (*source.Publication, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	// Free text (remarks, functions) holds quote characters inside
	// unquoted fields; the field count per row still catches a broken row.
	r.LazyQuotes = true
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, euCSVErr(file, err, 0)
	}
	nCols := len(header)
	p, err := newEUCSV(file, header)
	if err != nil {
		return nil, err
	}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, euCSVErr(file, err, nCols)
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("parse %s: %w", file, err)
			}
		}
		line, _ := r.FieldPos(0)
		if err := p.row(euCSVRow{c: p.cols, row: rec}, line); err != nil {
			return nil, err
		}
	}
	return p.finish()
}

// euCSV is one CSV parse: an entity is spread over many rows, not always
// next to each other, so its builder is kept until the end.
type euCSV struct {
	file  string
	cols  *euCSVCols
	drift source.DriftLog
	pub   *source.Publication
	byID  map[string]*euBuilder
	order []*euBuilder        // the entities in the order first seen
	seen  map[string]struct{} // entity id + section + detail logicalId
}

// newEUCSV reads the header: the columns by name, and any column the
// parser does not know as drift.
func newEUCSV(file string, header []string) (*euCSV, error) {
	cols, err := newEUCSVCols(header)
	if err != nil {
		return nil, &source.ParseError{File: file, Pos: "line 1", Err: err}
	}
	p := &euCSV{
		file:  file,
		cols:  cols,
		drift: source.DriftLog{List: "eu-fsf", File: file},
		pub:   &source.Publication{},
		byID:  make(map[string]*euBuilder),
		seen:  make(map[string]struct{}),
	}
	for _, h := range header {
		if h = strings.TrimSpace(h); h != "" && !euCSVKnown[strings.ToLower(h)] {
			p.drift.Note(tracker.DriftColumn, h, "", "line 1")
		}
	}
	return p, nil
}

// row adds one row to its entity: the entity's own columns, and each
// detail the row carries.
func (p *euCSV) row(row euCSVRow, line int) error {
	if p.pub.PublishedAt == "" {
		if d := strings.TrimSpace(row.get("fileGenerationDate")); d != "" {
			iso, err := source.PublicationDate(d, source.FormDayMonthYear, source.FormISO)
			if err != nil {
				return &source.ParseError{File: p.file, Pos: fmt.Sprintf("line %d", line), Err: fmt.Errorf("fileGenerationDate: %w", err)}
			}
			p.pub.PublishedAt = iso
		}
	}
	id := strings.TrimSpace(row.get("Entity_LogicalId"))
	if id == "" {
		return &source.ParseError{File: p.file, Pos: fmt.Sprintf("line %d", line), Err: errors.New("row without Entity_LogicalId")}
	}
	b := p.byID[id]
	if b == nil {
		b = newEUBuilder(line)
		b.e.ID = id
		p.byID[id] = b
		p.order = append(p.order, b)
	}
	euCSVEntityRow(b, row)
	for _, s := range euCSVSections {
		if !row.has(s) {
			continue
		}
		// Rows repeat when an entity has several regulations; a detail
		// is taken once, by its own logicalId.
		if lid := strings.TrimSpace(row.get(s + "_LogicalId")); lid != "" {
			key := id + "\x00" + s + "\x00" + lid
			if _, dup := p.seen[key]; dup {
				continue
			}
			p.seen[key] = struct{}{}
		}
		euCSVDetail(b, s, row)
	}
	return nil
}

// finish builds the entities once every row is read.
func (p *euCSV) finish() (*source.Publication, error) {
	p.pub.Entities = make([]*tracker.Entity, 0, len(p.order))
	for _, b := range p.order {
		e, err := b.build(p.file, fmt.Sprintf("line %d", b.line))
		if err != nil {
			return nil, err
		}
		p.pub.Entities = append(p.pub.Entities, e)
	}
	p.pub.Drift = p.drift.Drift()
	return p.pub, nil
}

// euCSVEntityRow takes the entity's own columns, which every row repeats.
func euCSVEntityRow(b *euBuilder, row euCSVRow) {
	b.attr(euAttrRef, row.get("Entity_EU_ReferenceNumber"))
	b.attr(euAttrUNID, row.get("Entity_UnitedNationId"))
	b.attr(euAttrDetails, row.get("Entity_DesignationDetails"))
	if d := strings.TrimSpace(row.get("Entity_DesignationDate")); d != "" {
		b.designationDate = d
	}
	b.remark(row.get("Entity_Remark"))
	if k := euKind(row.get("Entity_SubjectType"), row.get("Entity_SubjectType_ClassificationCode")); k != "" {
		b.e.Kind = k
	}
	b.regulation(row.get("Entity_Regulation_Programme"), row.get("Entity_Regulation_EntryIntoForceDate"), row.notice("Entity"))
}

func euCSVDetail(b *euBuilder, section string, row euCSVRow) {
	get := func(col string) string { return row.get(section + "_" + col) }
	b.notice(row.notice(section))
	switch section {
	case "NameAlias":
		b.alias(euName{
			whole: get("WholeName"), first: get("FirstName"), middle: get("MiddleName"), last: get("LastName"),
			lang: get("NameLanguage"), strong: get("Strong"),
			function: get("Function"), gender: get("Gender"), title: get("Title"),
			logicalID: get("LogicalId"),
		})
		b.remark(get("Remark"))
	case "Address":
		b.address(euAddr{
			street: get("Street"), poBox: get("PoBox"), city: get("City"), zip: get("ZipCode"),
			region: get("Region"), place: get("Place"),
			country: euCountry(get("CountryDescription"), get("CountryIso2Code")),
		})
		// The CSV flattens contactInfo into one column whose layout the
		// EU does not document; it is kept whole.
		b.contact("contact info", get("ContactInfo"))
		b.remark(get("Remark"))
	case "BirthDate":
		b.birth(euBirth{
			full: get("BirthDate"), day: get("Day"), month: get("Month"), year: get("Year"),
			from: get("YearRangeFrom"), to: get("YearRangeTo"), circa: get("Circa"), calendar: get("CalendarType"),
			place: get("Place"), city: get("City"), zip: get("ZipCode"), region: get("Region"),
			country: euCountry(get("CountryDescription"), get("CountryIso2Code")),
		})
		b.remark(get("Remark"))
	case "Identification":
		var remarks []string
		if r := get("Remark"); r != "" {
			remarks = []string{r}
		}
		b.identification(euIdent{
			number: get("Number"), latin: get("LatinNumber"),
			typeCode: get("TypeCode"), typeDesc: get("TypeDescription"),
			country: euCountry(get("CountryDescription"), get("CountryIso2Code")), region: get("Region"),
			issuedBy: get("IssuedBy"), issued: get("IssuedDate"), validFrom: get("ValidFrom"), validTo: get("ValidTo"),
			nameOnDoc:  get("NameOnDocument"),
			diplomatic: get("Diplomatic"), knownExpired: get("KnownExpired"), knownFalse: get("KnownFalse"),
			reportedLost: get("ReportedLost"), revoked: get("RevokedByIssuer"),
			remarks: remarks,
		})
	case "Citizenship":
		b.citizenship(get("CountryDescription"), get("CountryIso2Code"), get("Region"))
		b.remark(get("Remark"))
	}
}

func euCSVErr(file string, err error, nCols int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		e := pe.Err
		if errors.Is(e, csv.ErrFieldCount) {
			e = fmt.Errorf("%w (the header has %d): a broken row, or the file is cut short", e, nCols)
		}
		return &source.ParseError{File: file, Pos: fmt.Sprintf("line %d", pe.Line), Err: e}
	}
	if err == io.EOF {
		return &source.ParseError{File: file, Err: errors.New("empty file: not an EU FSF file")}
	}
	return &source.ParseError{File: file, Err: err}
}
