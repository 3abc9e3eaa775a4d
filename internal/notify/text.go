package notify

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// clean makes text from a list safe to show anywhere: invalid UTF-8 becomes
// U+FFFD, line and tab breaks become spaces, and every other C0 or C1
// control or bidi embedding/override/isolate becomes U+FFFD. Published
// data is not trusted: a C1 CSI (U+009B) or ESC would drive a terminal,
// and a right-to-left override would make a name read differently from
// what it is.
func clean(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s // the common case: printable ASCII, no allocation
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for len(s) > i {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || isBidiControl(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r) // an invalid byte decodes to RuneError: written as U+FFFD
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// truncate shortens s to at most max runes, ending with "…" when it cut.
// It counts and cuts runes, never bytes, so a name in Cyrillic or Arabic
// stays valid UTF-8.
func truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}

// esc is the one way list text enters Slack mrkdwn: cleaned, then &, < and
// > escaped as Slack requires. After it, nothing a list publishes can form
// a mention (<!channel>), a link (<url|text>) or a user reference.
func esc(s string) string {
	s = clean(s)
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// plain prepares list text for a Slack plain_text object (the header).
// Slack does not parse mentions or links in plain_text, but entity escapes
// are not documented there either, so < and > become the look-alike
// single angle quotes: the raw payload never carries a "<!channel>" that
// some other client, proxy or future Slack change might parse.
func plain(s string) string {
	s = clean(s)
	if !strings.ContainsAny(s, "<>") {
		return s
	}
	return strings.NewReplacer("<", "‹", ">", "›").Replace(s)
}

// slackLen measures text against Slack's character limits. Slack does not
// say whether it counts code points or UTF-16 units; UTF-16 units are never
// fewer, so a text within the limit by this count is within it either way.
func slackLen(s string) int {
	n := utf8.RuneCountInString(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xf0 { // a 4-byte sequence: a rune outside the BMP, a surrogate pair in UTF-16
			n++
		}
	}
	return n
}

// cutMrkdwn shortens escaped mrkdwn to at most max (by slackLen), cutting
// between runes and never inside an entity (&amp;) or a link (<url|text>),
// which would leave Slack a dangling control character.
func cutMrkdwn(s string, max int) string {
	if slackLen(s) <= max {
		return s
	}
	n, end := 0, 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max-1 { // room for "…"
			break
		}
		n += w
		end = i + utf8.RuneLen(r)
	}
	s = s[:end]
	if amp := strings.LastIndexByte(s, '&'); amp >= 0 && !strings.Contains(s[amp:], ";") {
		s = s[:amp]
	}
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 && !strings.Contains(s[lt:], ">") {
		s = s[:lt]
	}
	return strings.TrimRight(s, " ") + "…"
}

// linkURL returns u when it may become the target of a Slack link: http or
// https with a host, no white space or control characters, and none of the
// characters that end a Slack link early (|, <, >). Anything else is shown
// as text, never linked.
func linkURL(u string) (string, bool) {
	if u == "" || len(u) > 1000 || strings.ContainsAny(u, "|<> \"`") {
		return "", false
	}
	for i := 0; i < len(u); i++ {
		if u[i] < 0x21 || u[i] == 0x7f {
			return "", false
		}
	}
	if !utf8.ValidString(u) || clean(u) != u {
		return "", false
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return "", false
	}
	return u, true
}

// mrkdwnLink renders <url|text>. The URL's & is escaped too: Slack decodes
// entities in link targets, and a raw & is a control character.
func mrkdwnLink(u, text string) string {
	return "<" + strings.ReplaceAll(u, "&", "&amp;") + "|" + esc(text) + ">"
}
