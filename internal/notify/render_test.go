package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cybersanctions/tracker"
	"github.com/slack-go/slack"
)

// decoded renders and reads the messages back as a server would.
func decoded(t *testing.T, msgs []slackMessage) [][]map[string]any {
	t.Helper()
	out := make([][]map[string]any, len(msgs))
	for i, m := range msgs {
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
		checkMessage(t, fmt.Sprintf("message %d/%d", i+1, len(msgs)), m.Text, out[i], string(raw))
	}
	return out
}

// TestRenderLimits: oversized values and oversized change sets still
// render within every limit, shortening values but never dropping a change.
func TestRenderLimits(t *testing.T) {
	huge := cyberEntity(7)
	huge.Name = strings.Repeat("Дмитрий Юрьевич ХОРОШЕВ 🔥 & ", 60)
	for i := range 200 {
		huge.Identifiers = append(huge.Identifiers, tracker.Identifier{Type: "Digital Currency Address - XBT", Value: fmt.Sprintf("bc1q%060d", i)})
		huge.Aliases = append(huge.Aliases, tracker.Alias{Name: "alias " + strconv.Itoa(i) + strings.Repeat(" <&>", 50)})
	}
	huge.Identifiers = append(huge.Identifiers, tracker.Identifier{Type: "Passport", Value: strings.Repeat("&", 500)})
	huge.Attrs = map[string]string{"statement_of_reasons": strings.Repeat("&<>", 3000), "uk_ref": "CYB0047"}
	huge.Remarks = strings.Repeat("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ", 400)
	huge.Programs = nil
	for i := range 40 {
		huge.Programs = append(huge.Programs, fmt.Sprintf("PROGRAMME-%02d-%s", i, strings.Repeat("X", 200)))
	}
	for i := range 30 {
		huge.Notices = append(huge.Notices, tracker.Notice{Title: strings.Repeat("Regulation & ", 40), Date: fmt.Sprintf("2020-01-%02d", i+1), URL: "https://eur-lex.europa.eu/eli/reg/2020/" + strconv.Itoa(i) + "?" + strings.Repeat("a=1&", 200)})
	}

	many := addedAlert(3)
	for i := range 300 {
		many.Changes = append(many.Changes, tracker.Change{Kind: tracker.Amended, ID: strconv.Itoa(90000 + i), Name: fmt.Sprintf("AMENDED %03d", i), Fields: []tracker.FieldChange{
			{Field: "aliases", Before: []string{"a", "b"}, After: []string{"b", "c", "d"}, Added: []string{"c", strings.Repeat("дд ", 100)}, Removed: []string{"a"}},
			{Field: "attrs.statement_of_reasons", Before: []string{strings.Repeat("old & ", 200)}, After: []string{strings.Repeat("new < ", 200)}},
			{Field: "designated", Before: nil, After: []string{"2024-05-07"}},
		}})
	}
	for i := range 200 {
		many.Changes = append(many.Changes, tracker.Change{Kind: tracker.Removed, ID: strconv.Itoa(80000 + i), Name: fmt.Sprintf("REMOVED %03d", i), Programs: []string{"CYBER2"},
			Fields: []tracker.FieldChange{{Field: "programs", Before: []string{"CYBER2", "SDGT"}, After: []string{"SDGT"}}}})
	}

	tests := []struct {
		name  string
		alert Alert
	}{
		{"one huge designation", Alert{List: "uk-sanctions-list", Publisher: "UK (FCDO UK Sanctions List)", Changes: []tracker.Change{added(huge)}}},
		{"huge designations", Alert{List: "uk-sanctions-list", Publisher: strings.Repeat("Publisher ", 50), Changes: []tracker.Change{added(huge), added(huge), added(cyberEntity(1)), added(huge)}}},
		{"500 amendments and removals", many},
	}
	for _, tt := range tests {
		for _, threaded := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s threaded=%v", tt.name, threaded), func(t *testing.T) {
				msgs := renderSlack(tt.alert, threaded)
				blocks := decoded(t, msgs)
				var all strings.Builder
				for _, bs := range blocks {
					all.WriteString(sectionTexts(bs))
				}
				text := all.String()
				want := map[string]int{}
				for _, c := range tt.alert.Changes {
					want[c.ID]++
				}
				for _, c := range tt.alert.Changes {
					name := esc(truncate(clean(c.Name), capName))
					n := strings.Count(text, "*"+name+"*\n*Kind:*") // a card starts so
					if c.Kind != tracker.Added {
						n = strings.Count(text, "• *"+name+"* `"+c.ID+"`")
					}
					if n != want[c.ID] {
						t.Errorf("%s %s shown %d times, want %d", c.Kind, c.ID, n, want[c.ID])
					}
				}
				if strings.Contains(text, "CYB0047") && !strings.Contains(text, "more lines: see the official notice") && tt.name != "500 amendments and removals" {
					t.Errorf("a designation too big for a message was not marked as shortened")
				}
			})
		}
	}
	// A shortened amendment keeps its before → after readable.
	text := sectionTexts(decoded(t, renderSlack(many, true))[0])
	if !strings.Contains(text, "designated: (none) → 2024-05-07") || !strings.Contains(text, "aliases: +c, +дд") || !strings.Contains(text, "statement of reasons: old &amp; old") {
		t.Errorf("amendment lines:\n%.2000s", text)
	}
	if !strings.Contains(text, "removed from CYBER2; still listed under SDGT") && !strings.Contains(sectionTexts(decoded(t, renderSlack(many, true))[len(renderSlack(many, true))-1]), "removed from CYBER2; still listed under SDGT") {
		t.Errorf("removal line does not say the entity is still listed elsewhere")
	}
}

// TestRenderDeterministic: the same alert renders the same bytes, which
// is what resuming at Progress.Sent relies on.
func TestRenderDeterministic(t *testing.T) {
	a := addedAlert(50)
	a.Changes[3].Entity.Attrs = map[string]string{"uk_ref": "CYB0003", "statement_of_reasons": "x", "listed_on": "2020", "other": "y"}
	first, _ := json.Marshal(renderSlack(a, true))
	for range 5 {
		again, _ := json.Marshal(renderSlack(a, true))
		if string(again) != string(first) {
			t.Fatal("two renderings of one alert differ")
		}
	}
}

func TestRenderCard(t *testing.T) {
	e := cyberEntity(1)
	e.Attrs = map[string]string{"uk_ref": "CYB0066", "statement_of_reasons": strings.Repeat("Aleksandr Sergeyevich BOLSHAKOV is or has been involved in relevant cyber activity. ", 20)}
	ch := added(e)
	ch.Fields = []tracker.FieldChange{{Field: "programs", Before: []string{"RUSSIA-EO14024"}, After: e.Programs}}
	msgs := renderSlack(Alert{List: "uk-sanctions-list", Publisher: "UK (FCDO UK Sanctions List)", Changes: []tracker.Change{ch}}, true)
	text := sectionTexts(decoded(t, msgs)[0])
	for _, want := range []string{
		"*Reference:* `CYB0066`; id `40001`",
		"*Already listed under:* RUSSIA-EO14024",
		"• Digital Currency Address - XBT `bc1qfixturefake001q9x8y7w6v5u4t3s2r1p0nmlkjhgfed`",
		"• Passport `700000001` (Russia)",
		"*Aliases:* A. ACTOR 001; ACTOR001 (weak); Aleksandr ACTOR 001; Alexander ACTOR 001; Sasha 001 (weak) +2 more",
		"*Born:* 1987-05-11",
		"*Notice:* <https://ofac.treasury.gov/recent-actions/20240305?a=1&amp;b=2|Cyber-related Designations; Russia-related Designations> (2024-03-05)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
	i := strings.Index(text, "*Reasons:* ")
	reasons, _, _ := strings.Cut(text[i+len("*Reasons:* "):], "\n")
	if n := utf8.RuneCountInString(reasons); n != capReasons || !strings.HasSuffix(reasons, "…") {
		t.Errorf("statement of reasons: %d runes, want shortened to %d with …", n, capReasons)
	}
	// Wallets come before other identifiers.
	if strings.Index(text, "Digital Currency") > strings.Index(text, "Passport") {
		t.Error("wallets are not listed first")
	}
}

func TestRenderEmpty(t *testing.T) {
	if msgs := renderSlack(Alert{List: "ofac-sdn"}, true); len(msgs) != 0 {
		t.Errorf("an alert without changes renders %d messages", len(msgs))
	}
	m := renderSlack(Alert{Operator: "recovered"}, true)
	if len(m) != 1 || len(m[0].Blocks) != 1 || m[0].Blocks[0].BlockType() != slack.MBTSection {
		t.Errorf("operator notice: %+v", m)
	}
}

func TestFieldChange(t *testing.T) {
	head := "Head of the Main Directorate of the General Staff of the Armed Forces of the Russian Federation (GU/GRU)"
	tests := []struct {
		name string
		fc   tracker.FieldChange
		want string
	}{
		{"short values", tracker.FieldChange{Field: "designated", Before: []string{"2020-10-22"}, After: []string{"2020-11-20"}}, "designated: 2020-10-22 → 2020-11-20"},
		{"value appears", tracker.FieldChange{Field: "attrs.uk_ref", After: []string{"CYB0011"}}, "uk ref: (none) → CYB0011"},
		{"long values differing at the end", tracker.FieldChange{Field: "positions", Before: []string{head}, After: []string{head + "; previously First Deputy Head of the GU/GRU"}},
			"positions: …Federation (GU/GRU) → …Federation (GU/GRU); previously First Deputy Head of the GU/GRU"},
		{"long values differing in the middle", tracker.FieldChange{Field: "remarks", Before: []string{strings.Repeat("a", 100) + " old " + strings.Repeat("z", 100)}, After: []string{strings.Repeat("a", 100) + " new " + strings.Repeat("z", 100)}},
			"remarks: …aaaaaaaaaaaaaa old zzzzzzzzzzzzzz… → …aaaaaaaaaaaaaa new zzzzzzzzzzzzzz…"},
		{"set", tracker.FieldChange{Field: "programs", Before: []string{"CYBER2"}, After: []string{"CYBER2", "SDGT", "X", "Y", "Z"}, Added: []string{"SDGT", "X", "Y", "Z"}, Removed: []string{"Q"}},
			"programmes: +SDGT, +X, +Y, +Z +1 more"},
	}
	for _, tt := range tests {
		if got := fieldChange(tt.fc); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}
