package ofac

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/source"
)

// The legacy CSV has no columns for birth dates, nationalities, documents
// or weak aliases: OFAC writes them into the Remarks column as items
// separated by "; ", in the same words its XML uses for element values and
// idType, and ends the whole text with a period:
//
//	DOB 05 Jun 1950; nationality Pakistan; Gender Male; Digital Currency Address - XBT 12ud...;
//	Passport BE5978421 (Pakistan) issued 14 Nov 2007 expires 12 Nov 2012; alt. Passport ...;
//	a.k.a. 'HAFIZ SAHIB'; Linked To: X.
//
// ofacRemarks reads these items back into typed fields, so that the CSV
// and the XML of one publication give the same entity. Only items it
// recognises move; every other item stays in Remarks, in its order, so
// nothing published is lost.
//
// The remarks' "a.k.a. 'X'" items are the XML's weak aliases (category
// "weak"), which alt.csv never lists: alt.csv holds the strong ones. So
// they are aliases with Strength "weak" whether or not alt.csv was given,
// and the two sources never repeat each other.
//
// cut says the text is the main file's, cut at the column's length with no
// continuation to join: its last item may be a fragment ("alt. Digital
// Currency Address - XBT 1B64QRxf"), which is kept as it is rather than
// read into a wrong value.
//
// b holds the items while they are read; each field of e then gets them
// in one allocation of its exact length, where appending to e's own slices
// grew each several times.
func ofacRemarks(e *tracker.Entity, remarks string, cut bool, b *ofacRemarksBuf) {
	b.reset()
	remarks = ofacTrim(remarks)
	// OFAC closes the whole text with a period unless its last item
	// already ends with one, so a final period is either punctuation or
	// the last item's own. It is taken for punctuation, except after an
	// abbreviation that is left in the remarks ("Linked To: X CO., LTD.").
	text, closed := strings.CutSuffix(remarks, ".")
	if remarks == "" {
		return
	}
	var fragment string
	if cut {
		text, closed = remarks, false
		if i := strings.LastIndex(text, "; "); i >= 0 {
			text, fragment = text[:i], strings.TrimSpace(text[i+2:])
		} else {
			text, fragment = "", text
		}
	}
	keptLast := false
	for more := true; more; {
		var item string
		item, text, more = ofacCutItem(text)
		item = ofacTrim(item)
		keptLast = false
		if item == "" {
			continue
		}
		// The Title column's items are repeated in the remarks; the
		// XML has them in <title> only.
		if slices.Contains(e.Positions, item) {
			continue
		}
		if !ofacRemarkItem(b, item) {
			b.kept = append(b.kept, item)
			keptLast = true
		}
	}
	if closed && keptLast && ofacEndsWithAbbrev(b.kept[len(b.kept)-1]) {
		b.kept[len(b.kept)-1] += "."
	}
	if fragment != "" {
		b.kept = append(b.kept, fragment)
	}
	e.Remarks = strings.Join(b.kept, "; ")
	e.BirthDates = ofacAppendExact(&b.strs, e.BirthDates, b.birthDates)
	e.BirthPlaces = ofacAppendExact(&b.strs, e.BirthPlaces, b.birthPlaces)
	e.Nationalities = ofacAppendExact(&b.strs, e.Nationalities, b.nationalities)
	e.Aliases = ofacAppendExact(&b.aliasSlab, e.Aliases, b.aliases)
	e.Identifiers = ofacAppendExact(&b.idSlab, e.Identifiers, b.identifiers)
}

// ofacCutItem cuts the first item off remarks, as the first of
// strings.SplitSeq(s, "; ") but without looking for the two bytes at
// every byte: the rest, and whether there was a "; " to cut at.
func ofacCutItem(s string) (item, rest string, found bool) {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], ';')
		if j < 0 {
			return s, "", false
		}
		if i += j; i+1 < len(s) && s[i+1] == ' ' {
			return s[:i], s[i+2:], true
		}
	}
}

// ofacRemarksBuf is what ofacRemarks reads from one entity's remarks, by
// field, before it goes into the entity, and the slabs the entity's lists
// are then cut from. One is used by one goroutine for many entities.
type ofacRemarksBuf struct {
	kept, birthDates, birthPlaces, nationalities []string
	aliases                                      []tracker.Alias
	identifiers                                  []tracker.Identifier
	split                                        []string        // for the main file's list columns
	text                                         strings.Builder // the dates it writes, back to back

	strs      ofacSlab[string]
	aliasSlab ofacSlab[tracker.Alias]
	idSlab    ofacSlab[tracker.Identifier]
}

func (b *ofacRemarksBuf) reset() {
	b.kept, b.birthDates, b.birthPlaces, b.nationalities = b.kept[:0], b.birthDates[:0], b.birthPlaces[:0], b.nationalities[:0]
	b.aliases, b.identifiers = b.aliases[:0], b.identifiers[:0]
}

// date is source.DayMonAbbrevYear(s), without its two allocations for
// the shapes of nearly every OFAC birth date: "1962" is its own ISO form,
// and "05 Jun 1950" is written into a shared buffer. Anything else, or
// a date out of range, goes to DayMonAbbrevYear.
func (b *ofacRemarksBuf) date(s string) string {
	switch {
	case len(s) == 4 && ofacDigits(s) && s[0] != '0':
		return s
	case len(s) == 11 && s[2] == ' ' && s[6] == ' ' && ofacDigits(s[:2]) && ofacDigits(s[7:]) && s[7] != '0' && s[:2] <= "31":
		m := ofacMonth(s[3:6])
		if m == "" {
			break
		}
		b.room(len("2006-01-02"))
		at := b.text.Len()
		b.text.WriteString(s[7:])
		b.text.WriteByte('-')
		b.text.WriteString(m)
		if s[:2] != "00" {
			b.text.WriteByte('-')
			b.text.WriteString(s[:2])
		}
		return b.text.String()[at:]
	}
	return source.DayMonAbbrevYear(s)
}

func ofacDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ofacMonth gives the two digits of a month's English abbreviation, in
// any letter case, or "".
func ofacMonth(abbrev string) string {
	var low [3]byte
	for i := range low {
		c := abbrev[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:]) {
	case "jan":
		return "01"
	case "feb":
		return "02"
	case "mar":
		return "03"
	case "apr":
		return "04"
	case "may":
		return "05"
	case "jun":
		return "06"
	case "jul":
		return "07"
	case "aug":
		return "08"
	case "sep":
		return "09"
	case "oct":
		return "10"
	case "nov":
		return "11"
	case "dec":
		return "12"
	}
	return ""
}

// ofacAppendExact returns dst followed by src in a new slice of exactly
// that length cut from slab, or dst itself when src is empty.
func ofacAppendExact[T any](slab *ofacSlab[T], dst, src []T) []T {
	if len(src) == 0 {
		return dst
	}
	out := slab.take(len(dst) + len(src))
	copy(out[copy(out, dst):], src)
	return out
}

// ofacSlab hands out short slices of one larger allocation: the lists of
// an entity (programmes, dates, identifiers, aliases) were one allocation
// each, a third of the parse's. A slice's capacity is its length, so an
// append to it moves it rather than overwrite its neighbour; the entities
// of a publication live and die together, and so do the slabs.
type ofacSlab[T any] struct{ free []T }

const ofacSlabLen = 512

func (s *ofacSlab[T]) take(n int) []T {
	if n > len(s.free) {
		if n > ofacSlabLen/8 {
			return make([]T, n)
		}
		s.free = make([]T, ofacSlabLen)
	}
	out := s.free[:n:n]
	s.free = s.free[n:]
	return out
}

// ofacEndsWithAbbrev reports whether s ends with an abbreviation that
// takes a period: a company form ("LTD", "S.A", "C.V") or "JR".
func ofacEndsWithAbbrev(s string) bool {
	w := s[strings.LastIndexByte(s, ' ')+1:]
	if len(w) > 8 || strings.ContainsAny(w, "/:@") {
		return false
	}
	if _, ok := ofacAbbrevs[strings.ToUpper(w)]; ok {
		return true
	}
	// "S.A", "S.R.L", "P.J.S.C": letters with inner periods.
	dotted := false
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '.':
			dotted = true
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		default:
			return false
		}
	}
	return dotted
}

var ofacAbbrevs = map[string]struct{}{
	"LTD": {}, "CO": {}, "INC": {}, "CORP": {}, "LTDA": {}, "BHD": {}, "CIA": {}, "JR": {}, "SR": {}, "NO": {},
}

// ofacRemarkItem moves one remarks item into its field and reports whether
// it did. "alt." marks a second value of the same kind ("alt. DOB",
// "alt. Passport"); the XML lists those as more elements, with no marker.
func ofacRemarkItem(b *ofacRemarksBuf, item string) bool {
	body := strings.TrimPrefix(item, "alt. ")
	if rest, ok := strings.CutPrefix(body, "DOB "); ok {
		b.birthDates = append(b.birthDates, b.date(rest))
		return true
	}
	if rest, ok := strings.CutPrefix(body, "POB "); ok {
		b.birthPlaces = append(b.birthPlaces, rest)
		return true
	}
	if rest, ok := strings.CutPrefix(body, "nationality "); ok {
		b.nationalities = append(b.nationalities, rest)
		return true
	}
	if rest, ok := strings.CutPrefix(body, "citizen "); ok {
		b.nationalities = append(b.nationalities, rest)
		return true
	}
	if len(body) > len("a.k.a. ") && body[1:len("a.k.a. ")] == ".k.a. " {
		// ofacAliasType of the prefix, without its allocations.
		var aliasType string
		switch body[0] {
		case 'a':
			aliasType = "aka"
		case 'f':
			aliasType = "fka"
		case 'n':
			aliasType = "nka"
		}
		if aliasType != "" {
			rest := body[len("a.k.a. "):]
			// A name cut off by the 1000-character limit of the column
			// has lost its closing quote; it stays in the remarks as
			// it is rather than become a wrong alias.
			if len(rest) < 3 || rest[0] != '\'' || rest[len(rest)-1] != '\'' {
				return false
			}
			b.aliases = append(b.aliases, tracker.Alias{Name: rest[1 : len(rest)-1], Type: aliasType, Strength: "weak"})
			return true
		}
	}
	label, rest, ok := ofacIDLabel(body)
	if !ok {
		return false
	}
	id := b.identifier(label, rest)
	if id.Value == "" {
		return false
	}
	b.identifiers = append(b.identifiers, id)
	return true
}

// identifier splits the text after an identifier's label the way OFAC
// renders an idList entry: "NUMBER[ (COUNTRY)][ issued DATE][ expires DATE]".
// It gives what ofacIdentifier gives for those parts, with the dates read
// once, and the note written into b's shared text rather than allocated.
func (b *ofacRemarksBuf) identifier(label, rest string) tracker.Identifier {
	value := rest
	var issued, expires string
	if v, d, ok := b.cutDate(value, " expires "); ok {
		value, expires = v, d
	}
	if v, d, ok := b.cutDate(value, " issued "); ok {
		value, issued = v, d
	}
	value, country := ofacCutCountry(value)
	var note string
	switch {
	case issued != "" && expires != "":
		note = b.concat("issued ", issued, "; expires ", expires)
	case issued != "":
		note = b.concat("issued ", issued)
	case expires != "":
		note = b.concat("expires ", expires)
	}
	return tracker.Identifier{
		Type:    ofacIDType(label),
		Value:   ofacTrim(value),
		Country: ofacTrim(country),
		Note:    note,
	}
}

// concat returns its arguments joined, written into b's shared text.
func (b *ofacRemarksBuf) concat(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b.room(n)
	at := b.text.Len()
	for _, p := range parts {
		b.text.WriteString(p)
	}
	return b.text.String()[at:]
}

// room makes sure n more bytes fit into b's shared text without moving
// it: the strings already cut from it keep pointing into it.
func (b *ofacRemarksBuf) room(n int) {
	if b.text.Cap()-b.text.Len() < n {
		b.text = strings.Builder{}
		b.text.Grow(max(4096, n))
	}
}

// ofacCutCountry cuts a trailing " (COUNTRY)" off an identifier's number.
func ofacCutCountry(s string) (number, country string) {
	if !strings.HasSuffix(s, ")") {
		return s, ""
	}
	// strings.LastIndex(s, " ("), which hashes: a scan from the end of a
	// short value is several times faster.
	i := len(s) - 3
	for i > 0 && (s[i] != ' ' || s[i+1] != '(') {
		i--
	}
	if i <= 0 {
		return s, ""
	}
	if c := s[i+2 : len(s)-1]; ofacLooksLikeCountry(c) {
		return ofacTrim(s[:i]), c
	}
	return s, ""
}

// ofacIdentifier builds an identifier from an idList entry's parts, as
// either format gives them.
func ofacIdentifier(idType, number, country, issued, expires string) tracker.Identifier {
	var note []string
	if d := strings.TrimSpace(issued); d != "" {
		note = append(note, "issued "+source.DayMonAbbrevYear(d))
	}
	if d := strings.TrimSpace(expires); d != "" {
		note = append(note, "expires "+source.DayMonAbbrevYear(d))
	}
	return tracker.Identifier{
		Type:    ofacIDType(idType),
		Value:   strings.TrimSpace(number),
		Country: strings.TrimSpace(country),
		Note:    strings.Join(note, "; "),
	}
}

// ofacIDType drops the punctuation some idTypes end with
// ("Secondary sanctions risk:", "Executive Order 13662 Directive
// Determination -"): it joins the label to its value in the remarks and
// means nothing on its own.
func ofacIDType(t string) string {
	t = ofacTrim(t)
	for {
		switch {
		case strings.HasSuffix(t, ":"):
			t = strings.TrimSpace(t[:len(t)-1])
		case strings.HasSuffix(t, " -"):
			t = strings.TrimSpace(t[:len(t)-2])
		default:
			return t
		}
	}
}

// cutDate cuts a trailing "<sep>DATE" off s, where DATE is OFAC's
// "12 Nov 2012", "Nov 2012" or "2012", and returns the date in ISO form.
func (b *ofacRemarksBuf) cutDate(s, sep string) (before, iso string, ok bool) {
	// A date ends in a digit, and what DayMonAbbrevYear cannot read it
	// returns trimmed, so a value that ends in another printable ASCII
	// byte has no date: most do not.
	if n := len(s); n > 0 && s[n-1] > ' ' && s[n-1] < utf8.RuneSelf && (s[n-1] < '0' || s[n-1] > '9') {
		return s, "", false
	}
	// strings.LastIndex, but for the dates at the end of short values a
	// plain scan from the end is several times faster than its hashing.
	if !strings.Contains(s, sep) {
		return s, "", false
	}
	i := len(s) - len(sep)
	for ; i > 0; i-- {
		if s[i] == sep[0] && s[i:i+len(sep)] == sep {
			break
		}
	}
	if i <= 0 {
		return s, "", false
	}
	iso = b.date(s[i+len(sep):])
	if !ofacIsISO(iso) {
		return s, "", false
	}
	return s[:i], iso, true
}

// ofacIsISO reports whether s is a (partial) ISO date: DayMonAbbrevYear
// returns what it cannot read as it was, and that is never in this form.
func ofacIsISO(s string) bool {
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ofacLooksLikeCountry tells an idCountry ("Russia", "Korea, North",
// "Congo, Democratic Republic of the") from a parenthesis that is part of
// the number ("(EO 14024 Directive 2)"): countries have no digits.
func ofacLooksLikeCountry(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c == '(' || c == ')' {
			return false
		}
	}
	return s != ""
}

// ofacIDLabel finds the identifier label an item starts with, the longest
// that fits, and returns the rest after the space that follows it.
func ofacIDLabel(item string) (label, rest string, ok bool) {
	best := -1
	if item != "" {
		// The labels that start with the item's first byte, longest first:
		// fewer, and cheaper to compare, than the item's prefixes to hash.
		for _, l := range ofacIDLabelsBy[item[0]] {
			if len(l) < len(item) && item[len(l)] == ' ' && item[:len(l)] == l {
				best = len(l)
				break
			}
		}
	}
	if best > 0 {
		if rest = ofacTrim(item[best+1:]); rest != "" {
			return item[:best], rest, true
		}
		return "", "", false
	}
	return ofacIDLabelPattern(item)
}

// ofacIDLabelPattern recognises the labels with a variable part: a digital
// currency's code, an executive order's number, a directive in parentheses.
func ofacIDLabelPattern(item string) (label, rest string, ok bool) {
	split := func(n int) (string, string, bool) {
		if n >= len(item) || item[n] != ' ' {
			return "", "", false
		}
		r := strings.TrimSpace(item[n+1:])
		return item[:n], r, r != ""
	}
	if r, found := strings.CutPrefix(item, "Digital Currency Address - "); found {
		n := 0
		for n < len(r) && n < 16 && (r[n] >= 'A' && r[n] <= 'Z' || r[n] >= 'a' && r[n] <= 'z' || r[n] >= '0' && r[n] <= '9') {
			n++
		}
		if n == 0 {
			return "", "", false
		}
		return split(len(item) - len(r) + n)
	}
	if r, found := strings.CutPrefix(item, "Executive Order "); found {
		n := 0
		for n < len(r) && r[n] >= '0' && r[n] <= '9' {
			n++
		}
		if n == 0 || n == len(r) || r[n] != ' ' {
			return "", "", false
		}
		tail := r[n+1:]
		for _, s := range ofacEOLabelTails {
			if strings.HasPrefix(tail, s) {
				return split(len(item) - len(tail) + len(s))
			}
		}
		return "", "", false
	}
	for _, stem := range ofacDatedLabelStems {
		if len(item) < len(stem)+2 || item[:len(stem)] != stem || item[len(stem):len(stem)+2] != " (" {
			continue
		}
		r := item[len(stem)+2:]
		end := strings.IndexByte(r, ')')
		if end < 0 {
			return "", "", false
		}
		n := len(item) - len(r) + end + 1
		if n < len(item) && item[n] == ':' {
			n++
		}
		return split(n)
	}
	return "", "", false
}

// ofacEOLabelTails follow "Executive Order NNNNN " in idTypes, longest
// first where one is a prefix of another.
var ofacEOLabelTails = []string{
	"Directive Determination -",
	"Directive Information -",
	"Directive Information:",
	"Directive Information",
	"information:",
	"Information:",
}

// ofacDatedLabelStems are idTypes followed by a programme or directive in
// parentheses: "Listing Date (EO 14024 Directive 2):", "Effective Date (CMIC)".
var ofacDatedLabelStems = []string{
	"Listing Date",
	"Effective Date",
	"Purchase/Sales For Divestment Date",
}

// ofacIDLabelsBy holds ofacIDLabelList by first byte, longest first.
var ofacIDLabelsBy = func() (by [256][]string) {
	for _, l := range ofacIDLabelList {
		by[l[0]] = append(by[l[0]], l)
	}
	for _, ls := range by {
		slices.SortStableFunc(ls, func(a, b string) int { return len(b) - len(a) })
	}
	return by
}()

// ofacIDLabelList are OFAC idTypes as they are spelled in sdn.xml and in
// the CSV remarks, collected from the real files of both formats
// (2019-2025). An idType missing here is not lost: its item stays in the
// remarks.
var ofacIDLabelList = []string{
	// Sanctions information OFAC publishes as idList entries.
	"Additional Sanctions Information -",
	"Secondary sanctions risk:",
	"Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:",
	"CAATSA Section 235 Information:",
	"IFCA Determination -",
	"Target Type",
	"Organization Established Date",
	"Organization Type:",
	"Nationality of Registration",
	"Gender",

	// Contact and online.
	"Website",
	"Email Address",
	"Phone Number",
	"Telephone No.",
	"Fax No.",

	// Personal documents.
	"Passport",
	"Diplomatic Passport",
	"Stateless Person Passport",
	"National ID No.",
	"National Foreign ID Number",
	"Personal ID Card",
	"Cedula No.",
	"C.U.R.P.",
	"C.U.R.P. #",
	"CURP #",
	"R.F.C.",
	"R.F.C. #",
	"RFC",
	"D.N.I.",
	"SSN",
	"Driver's License No.",
	"Birth Certificate Number",
	"Electoral Registry No.",
	"Credencial electoral",
	"Cartilla de Servicio Militar Nacional",
	"Residency Number",
	"Refugee ID Card",
	"Travel Document Number",
	"Numero de Identidad",
	"Turkish Identification Number",
	"Turkish Identificiation Number",
	"Citizen's Card Number",
	"Tazkira National ID Card",
	"Kenyan ID No.",
	"Immigration No.",
	"VisaNumberID",
	"SRE Permit No.",
	"I.F.E.",
	"Military Registration Number",
	"Identification Number",

	// Company and tax registrations.
	"Tax ID No.",
	"Registration Number",
	"Registration ID",
	"Business Registration Number",
	"Business Registration Document #",
	"Business Number",
	"Company Number",
	"UK Company Number",
	"Public Registration Number",
	"Government Gazette Number",
	"Legal Entity Number",
	"LE Number",
	"Unified Social Credit Code (USCC)",
	"United Social Credit Code Certificate (USCCC)",
	"Commercial Registry Number",
	"Chamber of Commerce Number",
	"Istanbul Chamber of Comm. No.",
	"Dubai Chamber of Commerce Membership No.",
	"Central Registration System Number",
	"Economic Register Number (CBLS)",
	"Certificate of Incorporation Number",
	"Enterprise Number",
	"Branch Unit Number",
	"Organization Code",
	"Registered Charity No.",
	"Trade License No.",
	"License",
	"Permit Number",
	"File Number",
	"C.R. No.",
	"Romanian C.R.",
	"Folio Mercantil No.",
	"Matricula Mercantil No",
	"V.A.T. Number",
	"NIT #",
	"RUC #",
	"RIF #",
	"RTN",
	"C.U.I.",
	"C.U.I.T.",
	"C.U.I.P.",
	"C.I.F.",
	"US FEIN",
	"D-U-N-S Number",
	"Chinese Commercial Code",
	"Paraguayan tax identification number",
	"Numero Unico de Identificacao Tributaria (NUIT)",
	"Afghan Money Service Provider License Number",
	"SWIFT/BIC",
	"BIK (RU)",
	"ISIN",
	"Equity Ticker",
	"Issuer Name",

	// Vessels and aircraft.
	"Vessel Registration Identification",
	"MMSI",
	"Former Vessel Flag",
	"Other Vessel Flag",
	"Other Vessel Call Sign",
	"Other Vessel Type",
	"Vessel Year of Build",
	"Aircraft Construction Number (also called L/N or S/N or F/N)",
	"Aircraft Manufacturer's Serial Number (MSN)",
	"Aircraft Manufacture Date",
	"Aircraft Mode S Transponder Code",
	"Aircraft Model",
	"Aircraft Operator",
	"Aircraft Tail Number",
	"Previous Aircraft Tail Number",
}
