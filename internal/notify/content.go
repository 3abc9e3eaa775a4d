package notify

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/permalink"
)

// Caps on what one designation shows, in runes or items. An alert names
// what changed and gives an analyst enough to act on (screen a wallet,
// match a passport, open the notice); the full record is in the official
// notice and in `tracker show`. Slack and stdout show the same content.
const (
	capName        = 200
	capValue       = 120 // a date, a nationality, a programme
	capAlias       = 120
	capAliases     = 5
	capValues      = 6
	capIdentifiers = 20
	capIdentValue  = 150 // wallet addresses run to ~100 characters: never cut them
	capReasons     = 600
	capRemarks     = 300
	capAddress     = 200
	capAddresses   = 2
	capPositions   = 3
	capNotices     = 3
	capNoticeTitle = 150
	capFieldSide   = 80 // one side of an amendment's before → after
	capFieldItems  = 4
	capCompact     = 700 // the details of one amendment or removal
)

// Attribute keys the parsers set (internal/source/...): the publisher's own
// reference and the UK statement of reasons.
const (
	attrUKRef     = "uk_ref"
	attrEURef     = "eu_reference_number"
	attrReasons   = "statement_of_reasons"
	attrListedOn  = "listed_on"
	fieldPrograms = "programs"
)

// content is an alert reduced to what people are shown, before any
// rendering: every string is cleaned and shortened, nothing is escaped.
type content struct {
	title        string // header without the name: "3 new cyber designations — US OFAC"
	titleName    string // the name in a one-change header ("New cyber designation: NAME — …")
	titlePrefix  string
	titleSuffix  string
	meta         []string // "list ofac-sdn", "published 2024-05-03", "snapshot #42"
	cards        []card
	amended      []compact
	removed      []compact
	mixed        bool // more than one kind of change: groups get headings
	nAdded, nAmd int
	nRem         int
	// diffURL is the snapshot's changes on the web view, "" without one.
	diffURL string
	// signals come first: a designation another authority already had
	// or made the same day, or a delisting while another still lists it
	// (what analysts scan for). Plain text, cleaned.
	signals []string
}

// card is one added designation.
type card struct {
	name string
	rows []row
}

// row is one labelled fact of a card.
type row struct {
	label  string
	values []value
	more   int  // values left out: "+N more"
	list   bool // one value per line (identifiers)
}

// value is one shown value: text, an optional monospace part (a wallet
// address, a reference) and a note; with url, text becomes a link.
type value struct {
	text string
	code string
	note string
	url  string
}

// compact is one amendment or removal, shown on one line; with url, its
// name links to the designation's page.
type compact struct {
	name    string
	ref     string
	details string
	url     string
	// also is an amendment's "Also" line: the same subject on the other
	// lists, which an analyst wants beside an amendment as beside a new
	// designation (issue 17).
	also string
}

func buildContent(a Alert) *content {
	c := &content{}
	for i := range a.Changes {
		ch := &a.Changes[i]
		page := pageURL(a, permalink.Designation(a.List, ch.ID))
		switch ch.Kind {
		case tracker.Amended:
			c.nAmd++
			cp := amendment(ch)
			cp.url = page
			c.amended = append(c.amended, cp)
		case tracker.Removed:
			c.nRem++
			cp := removal(ch)
			cp.url = page
			c.removed = append(c.removed, cp)
		default: // Added, and anything unknown: shown in full rather than lost
			c.nAdded++
			cd := newCard(ch)
			if page != "" {
				cd.rows = append(cd.rows, row{label: "Page", values: []value{{text: "designation on the tracker", url: page}}})
			}
			c.cards = append(c.cards, cd)
		}
	}
	if a.SnapshotID != 0 {
		c.diffURL = pageURL(a, permalink.SnapshotDiff(a.List, a.SnapshotID))
	}
	c.signals = signals(a.Changes, a.PublishedAt)
	kinds := 0
	for _, n := range []int{c.nAdded, c.nAmd, c.nRem} {
		if n > 0 {
			kinds++
		}
	}
	c.mixed = kinds > 1
	c.setTitle(a, kinds)
	c.meta = alertMeta(a)
	return c
}

// pageURL is path under the alert's web view, "" without one or when the
// result is no URL Slack may link (web.base_url is checked by config).
func pageURL(a Alert, path string) string {
	if a.WebBase == "" || a.List == "" {
		return ""
	}
	u, ok := linkURL(permalink.Under(a.WebBase, path))
	if !ok {
		return ""
	}
	return u
}

// setTitle words the header: a one-change alert names the designation, a
// larger one counts the changes of each kind. The publisher always ends it.
func (c *content) setTitle(a Alert, kinds int) {
	who := a.Publisher
	if who == "" {
		who = a.List
	}
	if who != "" {
		c.titleSuffix = " — " + truncate(clean(who), 60)
	}
	switch n := len(a.Changes); {
	case n == 1:
		ch := a.Changes[0]
		switch ch.Kind {
		case tracker.Amended:
			c.titlePrefix = "Cyber designation amended: "
		case tracker.Removed:
			c.titlePrefix = "Cyber designation removed: "
		default:
			c.titlePrefix = "New cyber designation: "
		}
		c.titleName = clean(ch.Name)
		if c.titleName == "" {
			c.titleName = clean(ch.ID)
		}
	case kinds == 1 && c.nAdded > 0:
		c.title = strconv.Itoa(n) + " new cyber designations"
	case kinds == 1 && c.nAmd > 0:
		c.title = strconv.Itoa(n) + " cyber designations amended"
	case kinds == 1 && c.nRem > 0:
		c.title = strconv.Itoa(n) + " cyber designations removed"
	default:
		var parts []string
		if c.nAdded > 0 {
			parts = append(parts, strconv.Itoa(c.nAdded)+" new")
		}
		if c.nAmd > 0 {
			parts = append(parts, strconv.Itoa(c.nAmd)+" amended")
		}
		if c.nRem > 0 {
			parts = append(parts, strconv.Itoa(c.nRem)+" removed")
		}
		c.title = strings.Join(parts, ", ")
	}
}

// alertMeta is the line under the header: which list, which publication
// (or, for a list that states no date, when it was fetched), which snapshot.
func alertMeta(a Alert) []string {
	var meta []string
	if a.List != "" {
		meta = append(meta, "list "+truncate(clean(a.List), 60))
	}
	if a.PublishedAt != "" {
		meta = append(meta, "published "+truncate(clean(a.PublishedAt), 40))
	} else if f := FetchedLabel(a.FetchedAt); f != "" {
		meta = append(meta, f)
	}
	if a.SnapshotID != 0 {
		meta = append(meta, "snapshot #"+strconv.FormatInt(a.SnapshotID, 10))
	}
	return meta
}

// header returns the header within max runes. A one-change header gives up
// the end of the name, never the counts or the publisher.
func (c *content) header(max int) string {
	if c.titleName == "" {
		return truncate(c.title+c.titleSuffix, max)
	}
	room := max - runes(c.titlePrefix) - runes(c.titleSuffix)
	if room < 10 {
		return truncate(c.titlePrefix+c.titleName+c.titleSuffix, max)
	}
	return c.titlePrefix + truncate(c.titleName, room) + c.titleSuffix
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func newCard(ch *tracker.Change) card {
	cd := card{name: truncate(clean(ch.Name), capName)}
	if cd.name == "" {
		cd.name = "(no name) " + truncate(clean(ch.ID), capValue)
	}
	e := ch.Entity
	if e == nil {
		e = &tracker.Entity{ID: ch.ID, Name: ch.Name, Kind: ch.EntityKind, Programs: ch.Programs}
	}
	kind := ch.EntityKind
	if kind == "" {
		kind = e.Kind
	}
	programs := ch.Programs
	if programs == nil {
		programs = e.Programs
	}
	add := func(r row) {
		if len(r.values) > 0 {
			cd.rows = append(cd.rows, r)
		}
	}
	add(texts("Kind", []string{kindName(kind)}, 1, capValue))
	add(texts("Programmes", programs, 12, capValue))
	for _, fc := range ch.Fields {
		// The filter turns "an entity already listed gains a cyber
		// programme" into an addition: say what it was listed under.
		if fc.Field == fieldPrograms && len(fc.Before) > 0 {
			add(texts("Already listed under", fc.Before, capValues, capValue))
		}
	}
	// Whether the other lists already have the subject is what analysts
	// scan a new designation for first.
	add(alsoListed(ch.AlsoListed))
	add(texts("Not listed by", authorities(ch.NotListedBy), capValues, capValue))
	add(reference(e))
	designated := e.Designated
	if designated == "" {
		designated = e.Attrs[attrListedOn]
	}
	if act := e.Attrs[tracker.AttrDesignatedFrom]; act != "" && designated != "" {
		add(texts("Listed under", []string{"Regulation " + act + " of " + designated}, 1, capValue))
	} else {
		add(texts("Designated", []string{designated}, 1, capValue))
	}
	add(texts("Born", e.BirthDates, capValues, capValue))
	add(texts("Place of birth", e.BirthPlaces, capValues, capValue))
	add(texts("Nationality", e.Nationalities, capValues, capValue))
	add(identifiers(e.Identifiers))
	aliases := make([]string, len(e.Aliases))
	for i, al := range e.Aliases {
		aliases[i] = al.Name
		if al.Strength == "weak" {
			aliases[i] += " (weak)"
		}
	}
	add(texts("Aliases", aliases, capAliases, capAlias))
	add(texts("Position", e.Positions, capPositions, capAddress))
	addrs := make([]string, len(e.Addresses))
	for i, ad := range e.Addresses {
		addrs[i] = ad.String()
	}
	add(texts("Address", addrs, capAddresses, capAddress))
	add(texts("Reasons", []string{e.Attrs[attrReasons]}, 1, capReasons))
	add(texts("Remarks", []string{e.Remarks}, 1, capRemarks))
	add(notices(e.Notices))
	return cd
}

// signals words the lines an analyst scans for first: an added
// designation that another authority lists already ("Newly joined: X —
// already listed by the UK since 2023-02-09"), one it designated the same
// day as this publication ("Same-day designation: X — also designated by
// the UK on 2024-03-25": coordinated, not catching up), and a removal
// while another still lists it. published is the publication's date ("":
// unknown, every other listing then counts as earlier).
func signals(changes []tracker.Change, published string) []string {
	var out []string
	for i := range changes {
		ch := &changes[i]
		var earlier, sameDay, still []string
		for _, l := range ch.AlsoListed {
			if !l.StillListed {
				continue
			}
			who := authority(cmp.Or(l.Authority, l.List))
			since := who
			if l.Designated != "" {
				since += " since " + l.Designated
			}
			still = append(still, since)
			switch {
			case published == "" || l.Designated == "" || l.Designated < published:
				// A partial date ("2023-02") sorts before the days it
				// holds: it may be earlier, and says so as it is.
				earlier = append(earlier, since)
			case l.Designated == published:
				sameDay = append(sameDay, who)
			default:
				// Designated after this publication (a history imported
				// out of order): the other authority followed, this one
				// did not join it. Only a removal names it.
			}
		}
		name := truncate(clean(cmp.Or(ch.Name, ch.ID)), capName)
		switch {
		case ch.Kind == tracker.Added && len(earlier) > 0:
			out = append(out, "Newly joined: "+name+" — already listed by "+clean(joinCapped(earlier, 3, capCompact)))
		case ch.Kind == tracker.Added && len(sameDay) > 0:
			out = append(out, "Same-day designation: "+name+" — also designated by "+clean(joinCapped(sameDay, 3, capCompact))+" on "+clean(published))
		case ch.Kind == tracker.Removed && len(still) > 0:
			out = append(out, "Dropped: "+name+" — still listed by "+clean(joinCapped(still, 3, capCompact)))
		}
	}
	return out
}

// alsoListed shows each linked designation on one line: "UK CYB0045
// since 2024-03-25 (Cyber) — same national ID"; several, one per line,
// since a reason may hold a ";".
func alsoListed(ls []tracker.Listing) row {
	r := row{label: "Also", list: len(ls) > 1}
	for _, l := range ls {
		if len(r.values) == capValues {
			r.more++
			continue
		}
		who := l.Authority
		if who == "" {
			who = l.List
		}
		s := who + " " + l.ID
		switch {
		case !l.StillListed && l.ListedUntil != "":
			if l.Designated != "" {
				s += " from " + l.Designated
			}
			s += " until " + l.ListedUntil
		case l.Designated != "":
			s += " since " + l.Designated
		}
		if len(l.Regimes) > 0 {
			s += " (" + joinCapped(l.Regimes, 3, capValue) + ")"
		}
		if l.Reason != "" {
			s += " — " + l.Reason
		}
		if s = clean(s); strings.TrimSpace(s) != "" {
			r.values = append(r.values, value{text: truncate(s, capCompact)})
		}
	}
	return r
}

// authorities words "not listed by": "the EU", "the UK", "the US"; a list
// the registry does not know is named as it is.
func authorities(as []string) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = authority(a)
	}
	return out
}

// authority words one authority: "the UK"; a list name stays as it is.
func authority(a string) string {
	if len(a) == 2 && strings.ToUpper(a) == a {
		return "the " + a
	}
	return a
}

func kindName(k tracker.Kind) string {
	switch k {
	case tracker.KindPerson:
		return "Individual"
	case tracker.KindEntity:
		return "Entity"
	case tracker.KindVessel:
		return "Vessel"
	case tracker.KindAircraft:
		return "Aircraft"
	}
	return string(k)
}

// texts makes a row of plain values, at most max of them, each shortened
// to width runes.
func texts(label string, vs []string, max, width int) row {
	r := row{label: label}
	for _, v := range vs {
		if v = clean(v); strings.TrimSpace(v) == "" {
			continue
		}
		if len(r.values) == max {
			r.more++
			continue
		}
		r.values = append(r.values, value{text: truncate(v, width)})
	}
	return r
}

// reference is the publisher's own reference for the designation, the one
// an analyst quotes: the UK sanctions list ref, the EU reference number, or
// the publisher's id (OFAC uid).
func reference(e *tracker.Entity) row {
	r := row{label: "Reference"}
	ref := e.Attrs[attrUKRef]
	if ref == "" {
		ref = e.Attrs[attrEURef]
	}
	if ref == "" {
		ref = e.ID
	}
	if ref == "" {
		return r
	}
	r.values = append(r.values, value{code: truncate(clean(ref), capValue)})
	if ref != e.ID && e.ID != "" {
		r.values = append(r.values, value{text: "id", code: truncate(clean(e.ID), capValue)})
	}
	return r
}

// identifiers lists crypto wallets first (what a cyber alert is screened
// against), then travel and identity documents and vessel numbers, then
// the rest, each group in canonical order.
func identifiers(ids []tracker.Identifier) row {
	r := row{label: "Identifiers", list: true}
	type ranked struct {
		rank int
		id   *tracker.Identifier
	}
	sorted := make([]ranked, len(ids))
	for i := range ids {
		sorted[i] = ranked{identRank(ids[i].Type), &ids[i]}
	}
	slices.SortStableFunc(sorted, func(a, b ranked) int { return a.rank - b.rank })
	for _, rk := range sorted {
		id := rk.id
		if strings.TrimSpace(id.Value) == "" {
			continue
		}
		if len(r.values) == capIdentifiers {
			r.more++
			continue
		}
		var notes []string
		if id.Country != "" {
			notes = append(notes, truncate(clean(id.Country), 60))
		}
		if id.Note != "" {
			notes = append(notes, truncate(clean(id.Note), 80))
		}
		r.values = append(r.values, value{
			text: truncate(clean(id.Type), 60),
			code: truncate(clean(id.Value), capIdentValue),
			note: strings.Join(notes, "; "),
		})
	}
	return r
}

func identRank(typ string) int {
	t := strings.ToLower(typ)
	switch {
	case strings.Contains(t, "digital currency"), strings.Contains(t, "wallet"), strings.Contains(t, "crypto"):
		return 0
	case strings.Contains(t, "passport"), strings.Contains(t, "national"), strings.Contains(t, "imo"),
		strings.Contains(t, "registration"), strings.Contains(t, "tax"), strings.Contains(t, "identification"):
		return 1
	}
	return 2
}

// notices shows the most recent official notices; one with a usable URL
// becomes a link.
func notices(ns []tracker.Notice) row {
	r := row{label: "Notice"}
	if len(ns) > capNotices {
		r.more = len(ns) - capNotices
		ns = ns[len(ns)-capNotices:] // canonical order is by date: keep the latest
	}
	for i := len(ns) - 1; i >= 0; i-- {
		n := ns[i]
		v := value{text: truncate(clean(n.Title), capNoticeTitle), note: truncate(clean(n.Date), 40)}
		if u, ok := linkURL(n.URL); ok {
			v.url = u
			if v.text == "" {
				v.text = "official notice"
			}
		} else if n.URL != "" && v.text == "" {
			v.text = truncate(clean(n.URL), capNoticeTitle)
		}
		if v.text == "" && v.note == "" {
			continue
		}
		r.values = append(r.values, v)
	}
	return r
}

func amendment(ch *tracker.Change) compact {
	cp := compact{name: compactName(ch), ref: compactRef(ch)}
	parts := make([]string, 0, len(ch.Fields))
	for _, fc := range ch.Fields {
		parts = append(parts, fieldChange(fc))
	}
	if len(parts) == 0 {
		parts = append(parts, "amended")
	}
	cp.details = truncate(strings.Join(parts, " · "), capCompact)
	cp.also = alsoLine(ch)
	return cp
}

// alsoLine words an amended designation's other listings on one line:
// "Also: UK CYB0045 since 2024-03-25 (Cyber) — same national ID · not
// listed by the EU". It is "" for a designation linked nowhere: a "not
// listed by" line under every amendment would be noise.
func alsoLine(ch *tracker.Change) string {
	r := alsoListed(ch.AlsoListed)
	if len(r.values) == 0 {
		return ""
	}
	texts := make([]string, len(r.values))
	for i, v := range r.values {
		texts[i] = v.text
	}
	s := "Also: " + strings.Join(texts, "; ")
	if r.more > 0 {
		s += " +" + strconv.Itoa(r.more) + " more"
	}
	if len(ch.NotListedBy) > 0 {
		s += " · not listed by " + clean(joinCapped(authorities(ch.NotListedBy), capValues, capValue))
	}
	return truncate(s, capCompact)
}

func removal(ch *tracker.Change) compact {
	cp := compact{name: compactName(ch), ref: compactRef(ch)}
	d := "removed"
	if len(ch.Programs) > 0 {
		d = "removed from " + joinCapped(ch.Programs, 6, capValue)
	}
	for _, fc := range ch.Fields {
		// The filter turns "loses its last cyber programme" into a removal;
		// the entity stays listed under the others.
		if fc.Field == fieldPrograms && len(fc.After) > 0 {
			d += "; still listed under " + joinCapped(fc.After, 6, capValue)
		}
	}
	cp.details = truncate(d, capCompact)
	return cp
}

func compactName(ch *tracker.Change) string {
	n := truncate(clean(ch.Name), capName)
	if n == "" {
		n = "(no name)"
	}
	return n
}

func compactRef(ch *tracker.Change) string {
	if ch.Entity != nil {
		if r := reference(ch.Entity); len(r.values) > 0 {
			return r.values[0].code
		}
	}
	return truncate(clean(ch.ID), capValue)
}

// fieldChange renders one field of an amendment: "aliases: +A, −B" for a
// set, "designated: 2020-01-01 → 2020-02-01" for a value.
func fieldChange(fc tracker.FieldChange) string {
	name := strings.ReplaceAll(strings.TrimPrefix(fc.Field, "attrs."), "_", " ")
	if name == fieldPrograms {
		name = "programmes"
	}
	name = clean(name)
	if len(fc.Added)+len(fc.Removed) > 0 {
		var items []string
		total := len(fc.Added) + len(fc.Removed)
		for _, s := range fc.Added {
			if len(items) < capFieldItems {
				items = append(items, "+"+truncate(clean(s), capFieldSide))
			}
		}
		for _, s := range fc.Removed {
			if len(items) < capFieldItems {
				items = append(items, "−"+truncate(clean(s), capFieldSide))
			}
		}
		s := name + ": " + strings.Join(items, ", ")
		if total > len(items) {
			s += " +" + strconv.Itoa(total-len(items)) + " more"
		}
		return s
	}
	before, after := sides(fc.Before, fc.After)
	return name + ": " + before + " → " + after
}

// sides shortens the two sides of a changed value. Long values often differ
// only in a few words ("…; previously First Deputy Head"): cutting both at
// the same width would show two identical beginnings, so the shared start
// and end are elided around the difference instead.
func sides(before, after []string) (string, string) {
	if len(before) == 0 || len(after) == 0 {
		return side(before), side(after)
	}
	b, a := []rune(clean(strings.Join(before, "; "))), []rune(clean(strings.Join(after, "; ")))
	if len(b) <= capFieldSide && len(a) <= capFieldSide {
		return string(b), string(a)
	}
	p := 0
	for p < len(b) && p < len(a) && b[p] == a[p] {
		p++
	}
	q := 0
	for q < len(b)-p && q < len(a)-p && b[len(b)-1-q] == a[len(a)-1-q] {
		q++
	}
	const context = 15
	start := max(0, p-context)
	for back := 0; start > 0 && b[start-1] != ' ' && back < context; back++ {
		start-- // begin at a word
	}
	if start > 0 && b[start-1] != ' ' {
		start = max(0, p-context)
	}
	cut := func(r []rune) string {
		end := len(r) - max(0, q-context)
		s := string(r[start:end])
		if start > 0 {
			s = "…" + s
		}
		if end < len(r) && runes(s) < capFieldSide {
			return s + "…"
		}
		return truncate(s, capFieldSide)
	}
	return cut(b), cut(a)
}

func side(vs []string) string {
	if len(vs) == 0 {
		return "(none)"
	}
	return truncate(clean(strings.Join(vs, "; ")), capFieldSide)
}

func joinCapped(vs []string, max, width int) string {
	out := make([]string, 0, min(len(vs), max))
	for i, v := range vs {
		if i == max {
			return strings.Join(out, ", ") + " +" + strconv.Itoa(len(vs)-max) + " more"
		}
		out = append(out, truncate(clean(v), width))
	}
	return strings.Join(out, ", ")
}

// FetchedLabel words the fetch time of a publication that states no date:
// "fetched 2026-12-06 14:00 UTC (the list states no date)". It returns ""
// for an empty or unreadable time.
func FetchedLabel(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return ""
	}
	return "fetched " + t.UTC().Format("2006-01-02 15:04") + " UTC (the list states no date)"
}
