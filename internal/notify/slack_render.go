package notify

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// Slack's limits (docs.slack.dev, Block Kit reference), and ours below them.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxHeaderText  = 150
	// maxFallbackText: Slack takes 40,000 characters of top-level text, but
	// with blocks present it only feeds notifications and previews.
	maxFallbackText = 3000
	// maxMessageText bounds the text of all blocks of one message. Slack
	// rejects messages well below 50 full sections with msg_blocks_too_long
	// (seen from about 13,000 characters in total, undocumented), so the
	// budget is kept clear of that.
	maxMessageText = 11000
	// blockOverhead is what each block costs against maxMessageText besides
	// its text, so many small blocks cannot creep past the limit either.
	blockOverhead = 50
	// maxCardText bounds one designation, so that it always fits a message
	// of its own; what does not fit is cut at a line with a note.
	maxCardText = 7000
	// pageReserve is room for the header and context blocks of a message.
	pageReserve = maxHeaderText + 600 + 2*blockOverhead
)

// slackMessage is one chat.postMessage or webhook post.
type slackMessage struct {
	Text   string
	Blocks []slack.Block
}

// renderSlack turns an alert into messages. It is deterministic: the same
// alert renders the same messages, which is what lets a delivery resume at
// Progress.Sent. threaded says the later messages go into the first one's
// thread (token mode), which the first message mentions.
func renderSlack(a Alert, threaded bool) []slackMessage {
	if a.Screening != nil {
		return []slackMessage{hitMessage(a)}
	}
	if a.Operator != "" {
		return []slackMessage{operatorMessage(a)}
	}
	c := buildContent(a)
	if len(c.cards)+len(c.amended)+len(c.removed) == 0 {
		return nil
	}
	pages := packContent(c)
	n := len(pages)
	meta := make([]string, len(c.meta))
	for i, m := range c.meta {
		meta[i] = esc(m)
	}
	msgs := make([]slackMessage, n)
	for i, pg := range pages {
		part := ""
		if n > 1 {
			part = " (part " + strconv.Itoa(i+1) + "/" + strconv.Itoa(n) + ")"
		}
		ctx := strings.Join(meta, " · ")
		if c.diffURL != "" {
			ctx = joinNonEmpty(ctx, mrkdwnLink(c.diffURL, "all changes of this publication"))
		}
		if threaded && n > 1 && i == 0 {
			ctx = joinNonEmpty(ctx, "continued in the thread ("+strconv.Itoa(n-1)+" more)")
		}
		msgs[i] = pageMessage(pg, fitHeader(c, part), ctx)
	}
	return msgs
}

// packContent lays the changes out on pages, one message each: the added
// designations as cards, then the amendments and removals a line each,
// under headings when the alert has more than one kind of change.
func packContent(c *content) []*page {
	var p packer
	p.newPage()
	for _, sg := range c.signals {
		p.addLine(cutMrkdwn(":rotating_light: *"+esc(sg)+"*", maxSectionText), "")
	}
	for i, cd := range c.cards {
		heading := ""
		if i == 0 && c.mixed {
			heading = "*New designations (" + strconv.Itoa(c.nAdded) + ")*"
		}
		p.addCard(cardSections(cd, heading), cd.name)
	}
	for _, g := range []struct {
		title string
		items []compact
	}{{"Amended", c.amended}, {"Removed", c.removed}} {
		for i, cp := range g.items {
			line := "• *" + esc(cp.name) + "*"
			if cp.url != "" {
				line = "• *" + mrkdwnLink(cp.url, cp.name) + "*"
			}
			if cp.ref != "" {
				line += " " + code(cp.ref)
			}
			line += " — " + esc(cp.details)
			if cp.also != "" {
				line += "\n    " + esc(cp.also)
			}
			if i == 0 && c.mixed {
				line = "*" + g.title + " (" + strconv.Itoa(len(g.items)) + ")*\n" + line
			}
			p.addLine(cutMrkdwn(line, maxSectionText), cp.name)
		}
	}
	return p.pages
}

// pageMessage turns a packed page into a message: the header, the context
// line (ctx, escaped mrkdwn; may be empty), the page's blocks, and a
// fallback text naming the designations on it.
func pageMessage(pg *page, header, ctx string) slackMessage {
	blocks := make([]slack.Block, 0, len(pg.blocks)+2)
	blocks = append(blocks, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, header, false, false)))
	if ctx != "" {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, cutMrkdwn(ctx, 600), false, true)))
	}
	for _, b := range pg.blocks {
		if b.divider {
			blocks = append(blocks, slack.NewDividerBlock())
			continue
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, b.text, false, true), nil, nil))
	}
	names := make([]string, 0, len(pg.names))
	for _, nm := range pg.names {
		if nm != "" { // a block about no one designation (a signal line)
			names = append(names, esc(nm))
		}
	}
	return slackMessage{
		Text:   cutMrkdwn(esc(header)+": "+strings.Join(names, "; "), maxFallbackText),
		Blocks: blocks,
	}
}

// fitHeader shortens the header to Slack's limit counted in UTF-16 units:
// an emoji in a name counts twice.
func fitHeader(c *content, part string) string {
	room := maxHeaderText - runes(part)
	for {
		h := plain(c.header(room)) + part
		over := slackLen(h) - maxHeaderText
		if over <= 0 || room <= 1 {
			return h
		}
		room -= over
	}
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + " · " + b
}

// operatorMessage is a short notice for the people who run the tracker. Its
// text may quote list data (a parse error names the bad value), so it is
// escaped like any list text.
func operatorMessage(a Alert) slackMessage {
	who, plainWho := "*tracker*", "tracker"
	if a.List != "" {
		list := truncate(clean(a.List), 60)
		who += " " + code(list)
		plainWho += " " + esc(list)
	}
	notice := esc(truncate(a.Operator, 2500))
	return slackMessage{
		Text:   cutMrkdwn(plainWho+": "+notice, maxFallbackText),
		Blocks: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cutMrkdwn(":warning: "+who+": "+notice, maxSectionText), false, true), nil, nil)},
	}
}

// code renders a monospace value; a value holding a backtick would end the
// span early, so it is shown as plain text instead.
func code(s string) string {
	if strings.Contains(s, "`") {
		return esc(s)
	}
	return "`" + esc(s) + "`"
}

func (v value) mrkdwn() string {
	var b strings.Builder
	switch {
	case v.url != "":
		b.WriteString(mrkdwnLink(v.url, v.text))
	case v.text != "":
		b.WriteString(esc(v.text))
	}
	if v.code != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(code(v.code))
	}
	if v.note != "" {
		b.WriteString(" (" + esc(v.note) + ")")
	}
	return b.String()
}

// cardLines renders a designation as mrkdwn lines: the bold name, then a
// line per fact, identifiers one per line.
func cardLines(cd card, heading string) []string {
	first := "*" + esc(cd.name) + "*"
	if heading != "" {
		first = heading + "\n" + first
	}
	lines := []string{first}
	for _, r := range cd.rows {
		more := ""
		if r.more > 0 {
			more = " +" + strconv.Itoa(r.more) + " more"
		}
		if r.list {
			lines = append(lines, "*"+r.label+":*")
			for _, v := range r.values {
				lines = append(lines, "• "+v.mrkdwn())
			}
			if more != "" {
				lines = append(lines, "•"+more)
			}
			continue
		}
		vs := make([]string, len(r.values))
		for i, v := range r.values {
			vs[i] = v.mrkdwn()
		}
		lines = append(lines, "*"+r.label+":* "+strings.Join(vs, "; ")+more)
	}
	return lines
}

// cardSections packs a designation's lines into section texts within
// Slack's limit, keeping the designation within maxCardText.
func cardSections(cd card, heading string) []string {
	var secs []string
	var cur strings.Builder
	curLen, total := 0, 0
	lines := cardLines(cd, heading)
	for i, l := range lines {
		l = cutMrkdwn(l, maxSectionText)
		n := slackLen(l)
		last := false
		if total+n+1 > maxCardText-100 {
			l = "_… " + strconv.Itoa(len(lines)-i) + " more lines: see the official notice_"
			n, last = slackLen(l), true
		}
		if curLen > 0 && curLen+1+n > maxSectionText {
			secs = append(secs, cur.String())
			cur.Reset()
			curLen = 0
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(l)
		curLen += n
		total += n + 1
		if last {
			break
		}
	}
	if curLen > 0 {
		secs = append(secs, cur.String())
	}
	return secs
}

// packer fills messages ("pages") with blocks within Slack's limits. A
// designation is never split across messages; one-line changes fill
// sections line by line.
type packer struct {
	pages []*page
	cur   *page
}

type page struct {
	blocks []pageBlock
	nblock int // including the header and context
	size   int // text plus overhead, against maxMessageText
	names  []string
}

type pageBlock struct {
	divider bool
	compact bool // a section of one-line changes that may take more lines
	text    string
	len     int // slackLen(text)
}

func (p *packer) newPage() {
	p.cur = &page{nblock: 2, size: pageReserve}
	p.pages = append(p.pages, p.cur)
}

func (p *packer) fits(blocks, text int) bool {
	return p.cur.nblock+blocks <= maxBlocks && p.cur.size+text+blocks*blockOverhead <= maxMessageText
}

func (p *packer) empty() bool { return len(p.cur.blocks) == 0 }

func (p *packer) add(b pageBlock) {
	b.len = slackLen(b.text)
	p.cur.blocks = append(p.cur.blocks, b)
	p.cur.nblock++
	p.cur.size += b.len + blockOverhead
}

func (p *packer) addCard(sections []string, name string) {
	text := 0
	for _, s := range sections {
		text += slackLen(s)
	}
	blocks := len(sections)
	if !p.empty() {
		blocks++ // a divider before it
	}
	if !p.empty() && !p.fits(blocks, text) {
		p.newPage()
	}
	if !p.empty() {
		p.add(pageBlock{divider: true})
	}
	for _, s := range sections {
		p.add(pageBlock{text: s})
	}
	p.cur.names = append(p.cur.names, name)
}

func (p *packer) addLine(line, name string) {
	n := slackLen(line)
	if k := len(p.cur.blocks); k > 0 {
		last := &p.cur.blocks[k-1]
		if last.compact && last.len+1+n <= maxSectionText && p.fits(0, n+1) {
			last.text += "\n" + line
			last.len += n + 1
			p.cur.size += n + 1
			p.cur.names = append(p.cur.names, name)
			return
		}
	}
	if !p.empty() && !p.fits(1, n) {
		p.newPage()
	}
	p.add(pageBlock{compact: true, text: line})
	p.cur.names = append(p.cur.names, name)
}
