package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// The forms an alert is rendered in for a golden file, each to
// testdata/<case>.<form>.golden.
const (
	// formSlack: token mode (chat.postMessage, later parts in a thread).
	// One object per message with the two form fields the renderer
	// decides, text and blocks, the blocks as slack-go marshals them. The
	// other fields are fixed: parse=none, unfurl_links=false,
	// unfurl_media=false, and thread_ts from Slack's answer.
	formSlack = "slack"
	// formWebhook: the JSON body of each incoming-webhook post.
	formWebhook = "webhook"
	formText    = "txt"   // the stdout notifier, format text
	formJSONL   = "jsonl" // the stdout notifier, format json
)

// defaultForms leaves out the webhook form, which differs from token mode
// only in its fixed fields and in not mentioning a thread: it is goldened
// where that shows.
var defaultForms = []string{formSlack, formText, formJSONL}

type goldenCase struct {
	name  string
	alert func(t *testing.T) Alert
	forms []string // nil: defaultForms
	parts int      // Slack messages expected in token mode
}

// TestGolden renders representative alerts through the real renderers and
// compares them with testdata/*.golden, so that every change in how an
// alert looks is a diff someone reviews. After an intended change, run
// `go test ./internal/notify/ -run TestGolden -update` and read the diff.
func TestGolden(t *testing.T) {
	tests := []goldenCase{
		{name: "added", alert: fixed(goldenAddedAlert()), parts: 1},
		{name: "removed", alert: fixed(goldenRemovedAlert()), parts: 1},
		{name: "amended", alert: fixed(goldenAmendedAlert()), parts: 1},
		{name: "mixed", alert: fixed(goldenMixedAlert()), parts: 1},
		// web.base_url set: each designation and the snapshot's changes
		// link to the web view; hostile ids stay inside their links.
		{name: "mixed-web", alert: fixed(withWeb(goldenMixedAlert(), "https://tracker.example.org/")), forms: []string{formSlack, formText}, parts: 1},
		{name: "hostile-web", alert: fixed(withWeb(goldenHostileChangesAlert(), "https://tracker.example.org")), forms: []string{formSlack, formText}, parts: 1},
		{name: "hostile-added", alert: fixed(goldenHostileAddedAlert()), forms: []string{formSlack, formWebhook, formText, formJSONL}, parts: 1},
		{name: "hostile-changes", alert: fixed(goldenHostileChangesAlert()), parts: 1},
		{name: "huge-designation", alert: fixed(goldenHugeAlert()), forms: []string{formSlack, formText}, parts: 1},
		{name: "split", alert: fixed(goldenSplitAlert()), forms: []string{formSlack, formWebhook, formText}, parts: 3},
		{name: "operator-failing", alert: fixed(operatorAlert("ofac-sdn", "US OFAC (SDN List)",
			// internal/daemon onTransition, store.StartedFailing
			"failed 3 checks in a row since 2024-05-07T06:00:00Z; no new publication is seen until it works again. "+
				"Last error: fetch ofac-sdn: https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML: HTTP 503 Service Unavailable")), parts: 1},
		{name: "operator-recovered", alert: fixed(operatorAlert("ofac-sdn", "US OFAC (SDN List)",
			// internal/daemon onTransition, store.Recovered
			"works again after 3 failed checks (failing since 2024-05-07T06:00:00Z).")), parts: 1},
		{name: "operator-quarantine", alert: fixed(operatorAlert("uk-sanctions-list", "UK (FCDO UK Sanctions List)",
			// internal/deliver quarantineNotice
			"the publication of 2024-05-07 was quarantined as snapshot #43 and not announced: "+
				"2210 of the 2398 entities of #42 uk-sanctions-list 2024-05-06 would be removed (92.2%, above guards.max_removed_share 25.0%): "+
				"a broken publication rather than delistings? "+
				"Review what it would change with `tracker accept --dry-run 43`; if it is right, `tracker accept 43`.")), parts: 1},
		{name: "operator-drift", alert: fixed(operatorAlert("eu-fsf", "EU (Financial Sanctions Files)",
			// internal/deliver DriftText of a DriftValue whose value the
			// publisher wrote: quoted list text inside a notice.
			`format drift: the publisher's file has a regime the tracker does not know: "<!here> CYB*ER* & co" `+
				`(on "EU.9999.99") (first seen in 2024-05-07.xml line 1234, snapshot #44). The publication was stored; `+
				"it is kept verbatim on the entities, never folded into a known one; if it is a regime that should alert (cyber), "+
				"add it to `regimes` in the config. You are told once; later publications with it stay silent.")), parts: 1},
		{name: "operator-test", alert: fixed(operatorAlert("", "",
			// cmd/tracker notify --test
			"tracker test message: alerts from this tracker will reach this channel. Sent 2024-05-07T06:00:00Z.")), parts: 1},
		{name: "real-eu-fsf-2020-07-30", alert: realEUAlert, forms: []string{formSlack, formText}, parts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.alert(t)
			forms := tt.forms
			if forms == nil {
				forms = defaultForms
			}
			if n := len(renderSlack(a, true)); n != tt.parts {
				t.Errorf("%d Slack messages, want %d", n, tt.parts)
			}
			for _, form := range forms {
				got := renderGolden(t, a, form)
				checkInert(t, form, got)
				compareGolden(t, tt.name+"."+form+".golden", got)
			}
		})
	}
}

// TestGoldenIsWire checks that what the Slack goldens show is what goes
// over the wire: the same alert delivered to slacktest (token mode) and to
// a webhook server arrives as exactly the bytes the renderer produced.
func TestGoldenIsWire(t *testing.T) {
	for _, a := range []Alert{goldenSplitAlert(), goldenHostileAddedAlert()} {
		api := newSlackAPI(t, nil)
		s, err := NewSlack(testToken, "#cyber", WithAPIURL(api.GetAPIURL()))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Deliver(context.Background(), a, Progress{}, nil); err != nil {
			t.Fatal(err)
		}
		msgs := renderSlack(a, true)
		posts := api.accepted()
		if len(posts) != len(msgs) {
			t.Fatalf("token mode: %d posts, rendered %d messages", len(posts), len(msgs))
		}
		for i, m := range msgs {
			blocks, err := json.Marshal(m.Blocks)
			if err != nil {
				t.Fatal(err)
			}
			if posts[i].text != m.Text || posts[i].form.Get("blocks") != string(blocks) {
				t.Errorf("token mode, message %d: the posted text or blocks differ from the rendered ones", i+1)
			}
			if got := [3]string{posts[i].form.Get("parse"), posts[i].form.Get("unfurl_links"), posts[i].form.Get("unfurl_media")}; got != [3]string{"none", "false", "false"} {
				t.Errorf("token mode, message %d: parse, unfurl_links, unfurl_media = %q", i+1, got)
			}
		}

		ws := newWebhook(t, nil)
		wh, err := NewSlackWebhook(ws.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Deliver(context.Background(), a, Progress{}, nil); err != nil {
			t.Fatal(err)
		}
		msgs = renderSlack(a, false)
		if len(ws.ok) != len(msgs) {
			t.Fatalf("webhook: %d posts, rendered %d messages", len(ws.ok), len(msgs))
		}
		for i, m := range msgs {
			body, err := json.Marshal(webhookPayload(m))
			if err != nil {
				t.Fatal(err)
			}
			if ws.ok[i].raw != string(body) {
				t.Errorf("webhook, message %d: body differs from the rendered payload:\n got %.300s\nwant %.300s", i+1, ws.ok[i].raw, body)
			}
		}
	}
}

// renderGolden renders a in one form, as the golden file holds it.
func renderGolden(t *testing.T, a Alert, form string) []byte {
	t.Helper()
	switch form {
	case formSlack, formWebhook:
		msgs := renderSlack(a, form == formSlack)
		payloads := make([]json.RawMessage, len(msgs))
		for i, m := range msgs {
			var v any = struct {
				Text   string `json:"text"`
				Blocks any    `json:"blocks"`
			}{m.Text, m.Blocks}
			if form == formWebhook {
				v = webhookPayload(m)
			}
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			payloads[i] = raw
		}
		exact, err := json.Marshal(payloads)
		if err != nil {
			t.Fatal(err)
		}
		return readableJSON(t, exact)
	case formText, formJSONL:
		format := "text"
		if form == formJSONL {
			format = "json"
		}
		var buf bytes.Buffer
		st, err := NewStdout(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Deliver(context.Background(), a, Progress{}, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	t.Fatalf("unknown form %q", form)
	return nil
}

// readableJSON indents JSON as encoding/json wrote it and writes its HTML
// escapes (\u003c, \u003e, \u0026) as the characters they stand for, so
// that a golden shows "&lt;!channel&gt;" rather than
// "\u0026lt;!channel\u0026gt;". It proves the result is the same payload:
// compacted and HTML-escaped again it must give back exactly the input.
func readableJSON(t *testing.T, exact []byte) []byte {
	t.Helper()
	var ind bytes.Buffer
	if err := json.Indent(&ind, exact, "", "  "); err != nil {
		t.Fatal(err)
	}
	b := ind.Bytes()
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		switch esc := string(b[i:min(i+6, len(b))]); esc {
		case `\u003c`, `\u003e`, `\u0026`:
			out = append(out, map[string]byte{`\u003c`: '<', `\u003e`: '>', `\u0026`: '&'}[esc])
			i += 5
		default:
			out = append(out, b[i], b[i+1]) // any other escape, \\ included, stays as it is
			i++
		}
	}
	out = append(out, '\n')

	var back, again bytes.Buffer
	if err := json.Compact(&back, out); err != nil {
		t.Fatalf("readable JSON does not parse: %v", err)
	}
	json.HTMLEscape(&again, back.Bytes())
	if !bytes.Equal(again.Bytes(), exact) {
		t.Fatalf("readable JSON is not the payload:\n got %.300s\nwant %.300s", again.Bytes(), exact)
	}
	return out
}

// checkInert: a terminal gets no control character from the text form but
// the line ends, and no form carries a raw bidi control.
func checkInert(t *testing.T, form string, got []byte) {
	t.Helper()
	for i, r := range string(got) {
		if r == '\n' {
			continue
		}
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || isBidiControl(r) {
			t.Errorf("%s: control character %U at byte %d", form, r, i)
			return
		}
	}
}

// compareGolden compares got with testdata/name, or rewrites it with -update.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w || i >= len(gl) || i >= len(wl) {
			// Slack sections are one long JSON line: show where they part.
			at := 0
			for at < min(len(g), len(w)) && g[at] == w[at] {
				at++
			}
			from := max(0, at-60)
			t.Errorf("%s differs from the rendering at line %d, byte %d (if the change is intended, run with -update and review the diff):\n got …%q\nwant …%q",
				path, i+1, at+1, g[from:min(len(g), at+60)], w[from:min(len(w), at+60)])
			return
		}
	}
}

// fixed turns a built alert into a case's alert function.
func fixed(a Alert) func(*testing.T) Alert { return func(*testing.T) Alert { return a } }

func operatorAlert(list, publisher, text string) Alert {
	return Alert{List: list, Publisher: publisher, Channel: "#tracker-ops", Operator: text}
}

// goldenPerson is an OFAC-style cyber designation with the facts an analyst
// screens against: wallets, a passport, aliases in two scripts.
func goldenPerson() *tracker.Entity {
	e := &tracker.Entity{
		ID:            "52001",
		Kind:          tracker.KindPerson,
		Name:          "SYNTHETIC, Pavel Andreyevich",
		Programs:      []string{"CYBER2", "RUSSIA-EO14024"},
		Designated:    "2024-05-07",
		BirthDates:    []string{"1992-11-04"},
		BirthPlaces:   []string{"Perm, Russia"},
		Nationalities: []string{"Russia"},
		Aliases: []tracker.Alias{
			{Name: "PAVELSUPP", Type: "aka", Strength: "strong"},
			{Name: "Pavel SINTETIKOV", Type: "aka", Strength: "weak"},
			{Name: "Павел Андреевич СИНТЕТИКОВ", Type: "aka"},
		},
		Identifiers: []tracker.Identifier{
			{Type: "Email Address", Value: "pavel@example.invalid"},
			{Type: "Passport", Value: "7100000001", Country: "Russia", Note: "issued 2015-02-01"},
			{Type: "Digital Currency Address - XBT", Value: "bc1qgoldenfixture000000000000000000000000xyz"},
			{Type: "Digital Currency Address - ETH", Value: "0x00000000000000000000000000000000g01de11"},
			{Type: "Gender", Value: "Male"},
		},
		Addresses: []tracker.Address{{City: "Voronezh", Country: "Russia"}},
		Notices: []tracker.Notice{{
			Title: "Cyber-related Designations; Russia-related Designations",
			Date:  "2024-05-07",
			URL:   "https://ofac.treasury.gov/recent-actions/20240507?a=1&b=2",
		}},
		Remarks: "Secondary sanctions risk: section 11 of Executive Order 14024.",
	}
	e.Canonicalize()
	return e
}

func goldenAddedAlert() Alert {
	ch := added(goldenPerson())
	// Linked to the UK's designation of the same day, and to an earlier
	// one the UK has since delisted; the EU lists the subject nowhere.
	ch.AlsoListed = []tracker.Listing{
		{List: "uk-sanctions-list", Authority: "UK", ID: "CYB0101", Name: "Pavel Andreyevich SYNTHETIC", Regimes: []string{"Cyber"},
			Designated: "2024-05-07", StillListed: true, Reason: "same passport; same name", Score: 1},
		{List: "uk-ofsi-conlist", Authority: "UK", ID: "RUS1234", Name: "Pavel SYNTHETIC", Regimes: []string{"Russia"},
			Designated: "2022-03-15", ListedUntil: "2023-01-10", Reason: "same name and birth date", Score: 0.9},
	}
	ch.NotListedBy = []string{"EU"}
	return Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 42, PublishedAt: "2024-05-07",
		Changes: []tracker.Change{ch}}
}

// goldenRemovedAlert: a delisting, and an entity that loses its last cyber
// programme but stays listed under another (the filter makes it a
// removal).
func goldenRemovedAlert() Alert {
	e := goldenPerson()
	return Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 43, PublishedAt: "2024-06-11",
		Changes: []tracker.Change{
			{Kind: tracker.Removed, List: "ofac-sdn", ID: e.ID, Name: e.Name, EntityKind: e.Kind, Programs: e.Programs, Entity: e},
			{Kind: tracker.Removed, List: "ofac-sdn", ID: "48123", Name: "SYNTHETIC HOSTING LLC", EntityKind: tracker.KindEntity,
				Programs: []string{"CYBER2"},
				Fields:   []tracker.FieldChange{{Field: "programs", Before: []string{"CYBER2", "SDGT"}, After: []string{"SDGT"}}}},
		}}
}

// goldenAmendedAlert: field-level changes of a UK designation (its own
// reference, a long statement of reasons that differs in a few words, a
// set of aliases, a date that appears) and of an OFAC one.
func goldenAmendedAlert() Alert {
	uk := &tracker.Entity{ID: "14101", Kind: tracker.KindPerson, Name: "Synthetic Ivan PETROV", Programs: []string{"Cyber"},
		Attrs: map[string]string{"uk_ref": "CYB0101"}}
	a := Alert{List: "uk-sanctions-list", Publisher: "UK (FCDO UK Sanctions List)", SnapshotID: 44, PublishedAt: "2024-07-02",
		Changes: []tracker.Change{
			{Kind: tracker.Amended, List: "uk-sanctions-list", ID: uk.ID, Name: uk.Name, EntityKind: uk.Kind, Programs: uk.Programs, Entity: uk,
				Fields: []tracker.FieldChange{
					{Field: "aliases", Before: []string{"Ivan P.", "SYNTH"}, After: []string{"SYNTH", "Иван ПЕТРОВ", "VANYA"},
						Added: []string{"Иван ПЕТРОВ", "VANYA"}, Removed: []string{"Ivan P."}},
					{Field: "attrs.statement_of_reasons",
						Before: []string{"Synthetic Ivan PETROV is a member of a ransomware group that targeted hospitals in the United Kingdom; he administered its infrastructure."},
						After:  []string{"Synthetic Ivan PETROV is a member of a ransomware group that targeted hospitals and schools in the United Kingdom; he administered its infrastructure."}},
					{Field: "birth_dates", Before: nil, After: []string{"1990-01-31"}},
					{Field: "designated", Before: []string{"2024-05-07"}, After: []string{"2024-05-08"}},
				}},
			{Kind: tracker.Amended, List: "uk-sanctions-list", ID: "14102", Name: "SYNTHETIC BULLETPROOF HOSTING LTD", EntityKind: tracker.KindEntity,
				Programs: []string{"Cyber"},
				Fields: []tracker.FieldChange{
					{Field: "addresses", Before: []string{"Moscow, Russia"}, After: []string{"Moscow, Russia", "Limassol, Cyprus"}, Added: []string{"Limassol, Cyprus"}},
					{Field: "remarks", Before: []string{"Website: synthetic.example"}, After: nil},
				}},
		}}
	// An amendment shows the subject's other listings as a new
	// designation does (issue 17), on a line of its own.
	a.Changes[0].AlsoListed = []tracker.Listing{{List: "ofac-sdn", Authority: "US", ID: "50101", Name: "PETROV, Ivan",
		Regimes: []string{"CYBER2"}, Designated: "2024-05-07", StillListed: true, Reason: "same name and birth date", Score: 0.95}}
	a.Changes[0].NotListedBy = []string{"EU"}
	return a
}

// goldenMixedAlert has one change of each kind, grouped under headings: an
// EU designation listed under a regulation, an entity already listed that
// gains a cyber programme, and a list that states no date of its own.
func goldenMixedAlert() Alert {
	eu := &tracker.Entity{ID: "EU.9001.01", Kind: tracker.KindEntity, Name: "Synthetic Unit 00000 of the Main Directorate",
		Programs:      []string{"CYB"},
		Aliases:       []tracker.Alias{{Name: "Synthetic Sandstorm", Strength: "strong"}},
		Addresses:     []tracker.Address{{Street: "22 Kirova Street", City: "Moscow", Country: "Russia"}},
		Nationalities: []string{"Russia"},
		Attrs: map[string]string{
			"eu_reference_number":        "EU.9001.01",
			tracker.AttrDesignatedFrom:   "(CFSP) 2020/1127",
			"statement_of_reasons":       "Responsible for a synthetic cyber-attack with a significant effect.",
			"internal_only_not_rendered": "x",
		},
		Designated: "2020-07-30",
		Notices: []tracker.Notice{
			{Title: "Council Implementing Regulation (EU) 2020/1125", Date: "2020-07-30", URL: "http://data.europa.eu/eli/reg_impl/2020/1125/oj"},
		},
	}
	eu.Canonicalize()
	gained := &tracker.Entity{ID: "EU.9002.02", Kind: tracker.KindPerson, Name: "Synthetic Mikhail ALREADYLISTED", Programs: []string{"CYB", "UKR"}}
	return Alert{List: "eu-fsf", Publisher: "EU (Financial Sanctions Files)", SnapshotID: 45, FetchedAt: "2024-07-02T06:15:00Z",
		Changes: []tracker.Change{
			added(eu),
			{Kind: tracker.Added, List: "eu-fsf", ID: gained.ID, Name: gained.Name, EntityKind: gained.Kind, Programs: gained.Programs, Entity: gained,
				Fields: []tracker.FieldChange{{Field: "programs", Before: []string{"UKR"}, After: []string{"CYB", "UKR"}, Added: []string{"CYB"}}}},
			{Kind: tracker.Amended, List: "eu-fsf", ID: "EU.9003.03", Name: "Synthetic Olga AMENDED", EntityKind: tracker.KindPerson, Programs: []string{"CYB"},
				Fields: []tracker.FieldChange{{Field: "nationalities", Before: []string{"Russia"}, After: []string{"Belarus"}}}},
			{Kind: tracker.Removed, List: "eu-fsf", ID: "EU.9004.04", Name: "Synthetic Delisted GROUP", EntityKind: tracker.KindEntity, Programs: []string{"CYB"}},
		}}
}

// hostile is list text that would act in Slack, in a terminal or in a
// browser if it were passed on as it is.
const (
	hostileMention = "<!channel> <!here|here> <@U024BE7LH>"
	hostileMarkup  = "<script>alert(1)</script> & *bold* _it_ ~del~ `code` <https://evil.example|click>"
	hostileControl = "red\x1b[31mALERT\u009b2J\x00nul\x07bell\u202eexe.cod\u2066iso\u2069\xffbad tab\there\nnewline"
)

// goldenHostileAddedAlert: one designation whose every text field is
// hostile, so that the header (plain text) carries it too.
func goldenHostileAddedAlert() Alert {
	e := &tracker.Entity{
		ID:            "66601",
		Kind:          tracker.KindEntity,
		Name:          hostileMention + " *Synthetic* & `Co` \u202eDTL",
		Programs:      []string{"CYBER2", "<!everyone>"},
		Designated:    "2024-08-01",
		Nationalities: []string{hostileControl},
		Aliases: []tracker.Alias{
			{Name: hostileMarkup, Strength: "weak"},
			{Name: "Back`tick`s ``` and > quote"},
		},
		Identifiers: []tracker.Identifier{
			{Type: "Digital Currency Address - XBT", Value: "bc1q`<!channel>`&amp;"},
			{Type: "Website <https://evil.example|Treasury>", Value: "http://evil.example/?a=1&b=<2>", Note: "*note* <!here>"},
		},
		Addresses: []tracker.Address{{Street: "<b>1</b> Main St & Co", City: "Nowhere\u202e", Country: "Atlantis"}},
		Notices: []tracker.Notice{
			// At most three notices are shown, the latest first.
			{Title: "Phish <https://evil.example/login|Treasury>", Date: "2024-08-01", URL: "https://evil.example/a|b"},
			{Title: "Script", Date: "2024-08-02", URL: "javascript:alert(1)"},
			{Title: "Real notice & <co>", Date: "2024-08-03", URL: "https://ofac.treasury.gov/recent-actions/20240803?x=1&y=2"},
		},
		Remarks: hostileControl,
		Attrs:   map[string]string{"statement_of_reasons": hostileMarkup},
	}
	ch := added(e)
	// Another list's text reaches the alert too.
	ch.AlsoListed = []tracker.Listing{{List: "uk-sanctions-list", Authority: "UK", ID: hostileMention, Name: hostileMarkup,
		Regimes: []string{"<!everyone>", hostileControl}, Designated: "2024-08-01", StillListed: true, Reason: hostileMarkup, Score: 1}}
	ch.NotListedBy = []string{hostileMention}
	return Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 46, PublishedAt: "2024-08-01",
		Changes: []tracker.Change{ch}}
}

// goldenHostileChangesAlert: hostile names and values in an amendment and
// a removal, which render as one line each.
func goldenHostileChangesAlert() Alert {
	return Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 47, PublishedAt: "2024-08-02",
		Changes: []tracker.Change{
			{Kind: tracker.Amended, List: "ofac-sdn", ID: "66602", Name: "<!channel> amended", Programs: []string{"CYBER2"},
				Fields: []tracker.FieldChange{
					{Field: "name", Before: []string{"<!here>"}, After: []string{"<!channel> amended"}},
					{Field: "aliases", Added: []string{hostileMarkup}, Removed: []string{hostileControl}},
					{Field: "attrs.<b>x</b>_y", Before: []string{"a & b"}, After: []string{"a &amp; b"}},
				},
				AlsoListed: []tracker.Listing{{List: "uk-sanctions-list", Authority: "UK", ID: hostileMention,
					Regimes: []string{"<!everyone>"}, Designated: "2024-08-01", StillListed: true, Reason: hostileMarkup}},
				NotListedBy: []string{hostileControl}},
			{Kind: tracker.Removed, List: "ofac-sdn", ID: "`66603`", Name: hostileControl, Programs: []string{"CYBER2", "*SDGT*"}},
		}}
}

// goldenHugeAlert is one designation with more of everything than an
// alert shows: its card takes several sections and says what it left out.
func goldenHugeAlert() Alert {
	e := cyberEntity(1)
	e.Name = "SYNTHETIC CYBER ACTOR WITH A VERY LONG NAME " + strings.Repeat("Aleksandrovich ", 20)
	for i := range 30 {
		e.Identifiers = append(e.Identifiers, tracker.Identifier{Type: "Digital Currency Address - XBT", Value: fmt.Sprintf("bc1qsynthetic%02dwallet000000000000000000000000000000", i)})
	}
	for i := range 10 {
		e.Aliases = append(e.Aliases, tracker.Alias{Name: fmt.Sprintf("Synthetic alias %02d", i)})
		e.Programs = append(e.Programs, fmt.Sprintf("PROGRAMME-%02d", i))
		e.Notices = append(e.Notices, tracker.Notice{Title: fmt.Sprintf("Synthetic notice %02d", i), Date: fmt.Sprintf("2024-01-%02d", i+1), URL: fmt.Sprintf("https://ofac.treasury.gov/recent-actions/202401%02d", i+1)})
	}
	e.Attrs = map[string]string{"statement_of_reasons": strings.Repeat("A synthetic statement of reasons that goes on. ", 30)}
	e.Remarks = strings.Repeat("Synthetic remarks that go on and on. ", 20)
	e.Canonicalize()
	return Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 49, PublishedAt: "2024-09-11", Changes: []tracker.Change{added(e)}}
}

// goldenSplitAlert has more designations than one Slack message holds.
func goldenSplitAlert() Alert {
	a := Alert{List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 48, PublishedAt: "2024-09-10"}
	for i := 1; i <= 14; i++ {
		e := cyberEntity(i)
		e.Attrs = map[string]string{"statement_of_reasons": strings.TrimSpace(strings.Repeat(fmt.Sprintf("Synthetic actor %d ran ransomware infrastructure. ", i), 8))}
		a.Changes = append(a.Changes, added(e))
	}
	for i := 1; i <= 3; i++ {
		a.Changes = append(a.Changes, tracker.Change{Kind: tracker.Removed, List: "ofac-sdn", ID: fmt.Sprint(49000 + i),
			Name: fmt.Sprintf("SYNTHETIC REMOVED %d", i), Programs: []string{"CYBER2"}})
	}
	return a
}

// realEUAlert: the EU's first cyber designations (real data, 2020-07-30),
// as the daemon would announce them.
func realEUAlert(t *testing.T) Alert {
	l, pub, changes := sharedChanges(t, "eu-fsf", "eu/fsf/2020-07-29.xml", "eu/fsf/2020-07-30.xml")
	return Alert{List: l.Name, Publisher: l.Publisher, SnapshotID: 2, PublishedAt: pub.PublishedAt, Changes: changes}
}

// withWeb sets the alert's web.base_url.
func withWeb(a Alert, base string) Alert {
	a.WebBase = base
	return a
}
