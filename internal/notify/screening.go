package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/permalink"
)

// What a screening alert says of a pair raised before.
const (
	UpdateAmended = "amended" // the designation was amended
	UpdateRemoved = "removed" // the designation is no longer listed
)

// ScreeningHit makes an Alert a screening alert: a designation of
// Alert.List that may be one of the team's counterparties (issue 18), or
// news of one raised before.
type ScreeningHit struct {
	// Update is "" for a new possible match, else UpdateAmended or
	// UpdateRemoved.
	Update string `json:",omitempty"`
	// NoLongerMatches: an amendment after which the designation no longer
	// scores at the threshold; Score and Matched are those raised before.
	NoLongerMatches bool `json:",omitempty"`
	Party           Counterparty
	ID              string // the designation's id on its list
	Name            string // its primary name
	MatchedName     string `json:",omitempty"` // the name that matched, when not the primary one
	Kind            tracker.Kind
	Programs        []string
	Score           float64
	Matched         []string
	Conflicts       []string `json:",omitempty"`
	// Mention is the operator's (screening.mention, checked by config),
	// put before the alert in Slack as written.
	Mention string `json:",omitempty"`
}

// Counterparty is the team's side of a hit, as its file says.
type Counterparty struct {
	Ref  string `json:"ref"`
	Name string `json:"name"`
	// Extra are the file's other columns, "segment: suppliers".
	Extra []string `json:"extra,omitempty"`
}

// mentionForm is what Slack is given verbatim: its special mentions, a
// user, a user group. Config allows nothing else; a payload that says
// otherwise is shown escaped rather than trusted.
var mentionForm = regexp.MustCompile(`^(<!here>|<!channel>|<!everyone>|<@[UW][A-Z0-9]{2,20}>|<!subteam\^S[A-Z0-9]{2,20}>)( (<!here>|<!channel>|<!everyone>|<@[UW][A-Z0-9]{2,20}>|<!subteam\^S[A-Z0-9]{2,20}>))*$`)

// hitContent is a screening alert reduced to cleaned, shortened text.
type hitContent struct {
	lead      string // "Possible match", "Update: designation amended"
	party     string // the counterparty's ref
	partyName string
	who       string // the list's publisher
	id        string
	name      string
	url       string // the designation's page, "" without one
	tail      string // "0.93: name, country"
	meta      []string
}

func buildHit(a Alert) *hitContent {
	h := a.Screening
	c := &hitContent{
		party: truncate(clean(h.Party.Ref), capValue), partyName: truncate(clean(h.Party.Name), capName),
		who: truncate(clean(a.Publisher), 60), id: truncate(clean(h.ID), capValue), name: truncate(clean(h.Name), capName),
		url: pageURL(a, permalink.Designation(a.List, h.ID)),
	}
	if c.who == "" {
		c.who = truncate(clean(a.List), 60)
	}
	score := strconv.FormatFloat(h.Score, 'f', 2, 64)
	reason := joinCapped(h.Matched, 6, capValue)
	switch {
	case h.Update == UpdateRemoved:
		c.lead, c.tail = "Update: no longer listed", "raised at "+score+": "+reason
	case h.Update == UpdateAmended && h.NoLongerMatches:
		c.lead, c.tail = "Update: designation amended, no longer a match at the threshold", "raised at "+score+": "+reason
	case h.Update == UpdateAmended:
		c.lead, c.tail = "Update: designation amended", score+": "+reason
	default:
		c.lead, c.tail = "Possible match", score+": "+reason
	}
	c.meta = alertMeta(a)
	if h.MatchedName != "" && h.MatchedName != h.Name {
		c.meta = append(c.meta, "matched name "+truncate(clean(h.MatchedName), capName))
	}
	if len(h.Programs) > 0 {
		c.meta = append(c.meta, "programmes "+joinCapped(h.Programs, 6, capValue))
	}
	if len(h.Conflicts) > 0 {
		c.meta = append(c.meta, "differs: "+joinCapped(h.Conflicts, 4, capValue))
	}
	if len(h.Party.Extra) > 0 {
		c.meta = append(c.meta, "your file: "+joinCapped(h.Party.Extra, 6, capValue))
	}
	return c
}

// plainHeadline is the alert in one line of plain text, cleaned, not
// escaped: "Possible match: your ACME-17 'Wuhan …' ↔ US OFAC (SDN List)
// 47800 WUHAN … — 0.93: name, country".
func (c *hitContent) plainHeadline() string {
	return c.lead + ": your " + c.party + " '" + c.partyName + "' ↔ " + c.who + " " + c.id + " " + c.name + " — " + c.tail
}

// mrkdwnHeadline is the headline in Slack mrkdwn: every piece of list
// and counterparty text escaped, the designation linked to its page.
func (c *hitContent) mrkdwnHeadline() string {
	name := "*" + esc(c.name) + "*"
	if c.url != "" {
		name = "*" + mrkdwnLink(c.url, c.name) + "*"
	}
	return "*" + esc(c.lead) + ":* your " + code(c.party) + " '" + esc(c.partyName) + "' ↔ " + esc(c.who) + " " +
		code(c.id) + " " + name + " — " + esc(c.tail)
}

// mention returns the operator's mention to put first, "" for none; a
// mention config would not have allowed is escaped, never sent as one.
func (h *ScreeningHit) mention() string {
	if h.Mention == "" {
		return ""
	}
	if mentionForm.MatchString(h.Mention) {
		return h.Mention + " "
	}
	return esc(h.Mention) + " "
}

// hitMessage is a screening alert as one Slack message: the mention and
// the headline in a section (a mention in a section notifies), the
// details in a context block.
func hitMessage(a Alert) slackMessage {
	c := buildHit(a)
	mention := a.Screening.mention()
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType,
		cutMrkdwn(mention+":mag: "+c.mrkdwnHeadline(), maxSectionText), false, true), nil, nil)}
	meta := make([]string, len(c.meta))
	for i, m := range c.meta {
		meta[i] = esc(m)
	}
	if len(meta) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			cutMrkdwn(strings.Join(meta, " · "), maxSectionText), false, true)))
	}
	return slackMessage{Text: cutMrkdwn(mention+esc(c.plainHeadline()), maxFallbackText), Blocks: blocks}
}

// writeHitText is a screening alert for stdout: the headline, then its
// details. The mention is Slack's business and left out.
func writeHitText(w *bytes.Buffer, a Alert) {
	c := buildHit(a)
	w.WriteString("?? " + c.plainHeadline() + "\n")
	if len(c.meta) > 0 {
		w.WriteString("   " + strings.Join(c.meta, " · ") + "\n")
	}
	if c.url != "" {
		w.WriteString("   designation: " + c.url + "\n")
	}
}

// jsonHit is a screening alert as one JSON line.
type jsonHit struct {
	List            string       `json:"list"`
	Snapshot        int64        `json:"snapshot"`
	PublishedAt     string       `json:"published_at,omitempty"`
	FetchedAt       string       `json:"fetched_at,omitempty"`
	Screening       string       `json:"screening"` // "hit", "amended", "removed"
	NoLongerMatches bool         `json:"no_longer_matches,omitempty"`
	Party           Counterparty `json:"party"`
	ID              string       `json:"id"`
	Name            string       `json:"name"`
	MatchedName     string       `json:"matched_name,omitempty"`
	EntityKind      tracker.Kind `json:"entity_kind,omitempty"`
	Programs        []string     `json:"programs"`
	Score           float64      `json:"score"`
	Matched         []string     `json:"matched"`
	Conflicts       []string     `json:"conflicts,omitempty"`
	Mention         string       `json:"mention,omitempty"`
}

func writeHitJSON(w *bytes.Buffer, a Alert) error {
	h := a.Screening
	kind := h.Update
	if kind == "" {
		kind = "hit"
	}
	programs, matched := h.Programs, h.Matched
	if programs == nil {
		programs = []string{}
	}
	if matched == nil {
		matched = []string{}
	}
	err := json.NewEncoder(w).Encode(jsonHit{
		List: a.List, Snapshot: a.SnapshotID, PublishedAt: a.PublishedAt, FetchedAt: a.FetchedAt,
		Screening: kind, NoLongerMatches: h.NoLongerMatches, Party: h.Party, ID: h.ID, Name: h.Name,
		MatchedName: h.MatchedName, EntityKind: h.Kind, Programs: programs, Score: h.Score,
		Matched: matched, Conflicts: h.Conflicts, Mention: h.Mention,
	})
	if err != nil {
		return fmt.Errorf("screening hit %s: %w", h.ID, err)
	}
	escapeControls(w)
	return nil
}
