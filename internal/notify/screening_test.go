package notify

import (
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/cybersanctions/tracker"
)

// goldenHit is a possible match as the daemon raises it for the seven
// CYBER2 designations of OFAC 2021-11-08.
func goldenHit() Alert {
	return Alert{
		List: "ofac-sdn", Publisher: "US OFAC (SDN List)", SnapshotID: 2, PublishedAt: "2021-11-08", Channel: "#kyc-hits",
		Screening: &ScreeningHit{
			Party: Counterparty{Ref: "C-1", Name: "Yaroslav Vasinskyi", Extra: []string{"segment: exchange customers"}},
			ID:    "33859", Name: "VASINSKYI, Yaroslav", Kind: tracker.KindPerson, Programs: []string{"CYBER2"},
			Score: 0.9, Matched: []string{"same name and birth date"},
		},
	}
}

func withMention(a Alert, mention string) Alert {
	h := *a.Screening
	h.Mention = mention
	a.Screening = &h
	return a
}

func asUpdate(a Alert, update string, noLonger bool) Alert {
	h := *a.Screening
	h.Update, h.NoLongerMatches = update, noLonger
	a.Screening = &h
	return a
}

// goldenHostileHit holds what a hostile counterparty file or list could
// write: mentions, links, entities, markup, controls and a bidi override.
func goldenHostileHit() Alert {
	a := goldenHit()
	a.List = "ofac-sdn\x1b[31m"
	a.Publisher = "US <!channel> OFAC"
	a.Screening.Party = Counterparty{Ref: "<!here>`x", Name: "ACME <https://evil.example|click> & <@U999> \u202eevil",
		Extra: []string{"note: <!everyone> \x9b2J"}}
	a.Screening.ID = "1|<!subteam^S1>"
	a.Screening.Name = "WUHAN <!channel> & CO\r\n*bold*"
	a.Screening.MatchedName = "<https://evil.example>"
	a.Screening.Matched = []string{"name <!here>"}
	a.Screening.Conflicts = []string{"different countries & <@U1>"}
	return a
}

// TestGoldenScreening renders screening alerts like TestGolden renders
// change alerts (`go test ./internal/notify/ -run TestGolden -update`).
func TestGoldenScreening(t *testing.T) {
	tests := []goldenCase{
		{name: "screening-hit", alert: fixed(goldenHit()), forms: []string{formSlack, formWebhook, formText, formJSONL}},
		{name: "screening-hit-web-mention", alert: fixed(withWeb(withMention(goldenHit(), "<!here> <!subteam^S0123ABC>"), "https://tracker.example.org")),
			forms: []string{formSlack, formText, formJSONL}},
		{name: "screening-amended", alert: fixed(asUpdate(goldenHit(), UpdateAmended, false))},
		{name: "screening-amended-no-match", alert: fixed(asUpdate(goldenHit(), UpdateAmended, true)), forms: []string{formSlack, formText}},
		{name: "screening-removed", alert: fixed(asUpdate(goldenHit(), UpdateRemoved, false))},
		{name: "screening-hostile", alert: fixed(withWeb(withMention(goldenHostileHit(), "<!here>"), "https://tracker.example.org")),
			forms: []string{formSlack, formWebhook, formText, formJSONL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.alert(t)
			if n := len(renderSlack(a, true)); n != 1 {
				t.Errorf("%d Slack messages, want 1", n)
			}
			forms := tt.forms
			if forms == nil {
				forms = defaultForms
			}
			for _, form := range forms {
				got := renderGolden(t, a, form)
				checkInert(t, form, got)
				compareGolden(t, tt.name+"."+form+".golden", got)
			}
		})
	}
}

// slackControl finds what Slack would act on in mrkdwn: a mention, a
// channel or user reference, a link.
var slackControl = regexp.MustCompile(`<[^>]*>`)

// TestScreeningInert: in the Slack text and blocks of a hostile hit the
// only controls are the operator's mention and the tracker's own link;
// a mention config would never allow is escaped, not sent.
func TestScreeningInert(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mention string
		want    []string // every <…> in the message, in order, per text
	}{
		{"configured mention", "<!here>", []string{"<!here>"}},
		{"tampered mention", "<!here> <https://evil.example|x>", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := withWeb(withMention(goldenHostileHit(), tt.mention), "https://tracker.example.org")
			m := hitMessage(a)
			if got := slackControl.FindAllString(m.Text, -1); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("text controls %q, want %q\n%s", got, tt.want, m.Text)
			}
			var section string
			for _, b := range m.Blocks {
				if s, ok := b.(*slack.SectionBlock); ok {
					section = s.Text.Text
				}
			}
			link := "<https://tracker.example.org/lists/ofac-sdn%1B%5B31m/designations/1%7C%3C%21subteam%5ES1%3E|WUHAN &lt;!channel&gt; &amp; CO"
			got := slackControl.FindAllString(section, -1)
			if len(got) != len(tt.want)+1 || !strings.HasPrefix(got[len(got)-1], link) {
				t.Errorf("section controls %q, want %q and the designation's link\n%s", got, tt.want, section)
			}
		})
	}
}
