package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ZSERVERS", "ZSERVERS"},
		{"Костюков Игорь", "Костюков Игорь"},
		{"a\tb\nc\r\nd", "a b c  d"},
		{"red\x1b[31mALERT", "red\uFFFD[31mALERT"},
		{"csi\u009b31m", "csi\uFFFD31m"},
		{"del\x7f", "del\uFFFD"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"abc\u202egpj.exe", "abc\uFFFDgpj.exe"},
		{"isolate\u2066x\u2069", "isolate\uFFFDx\uFFFD"},
		{"line\u2028sep", "line sep"},
		{"keep \u200f rlm and ‹›", "keep \u200f rlm and ‹›"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"Костюков Игорь Олегович", 10, "Костюков…"}, // no space before the ellipsis
		{"Костюков Игорь Олегович", 12, "Костюков Иг…"},
		{"🔥🔥🔥🔥", 3, "🔥🔥…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.max)
		if got != tt.want || !utf8.ValidString(got) || utf8.RuneCountInString(got) > max(tt.max, 0) {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestEsc(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AT&T", "AT&amp;T"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"&lt; stays text", "&amp;lt; stays text"},
		{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"tab\tand\x1b", "tab and\uFFFD"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := esc(tt.in); got != tt.want {
			t.Errorf("esc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := plain("<!channel> & co"); got != "‹!channel› & co" {
		t.Errorf("plain: %q", got)
	}
}

func TestCutMrkdwn(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"fits", 10, "fits"},
		{"AT&amp;T and more", 5, "AT…"},                         // never inside &amp;
		{"see <https://x.example/|the notice> now", 20, "see…"}, // never inside a link
		{"see <https://x.example/|n> now and then", 31, "see <https://x.example/|n> now…"},
		{"Игорь Олегович", 7, "Игорь…"},
		{"🔥🔥🔥", 5, "🔥🔥…"}, // two UTF-16 units each
	}
	for _, tt := range tests {
		got := cutMrkdwn(tt.in, tt.max)
		if got != tt.want || slackLen(got) > tt.max {
			t.Errorf("cutMrkdwn(%q, %d) = %q (%d), want %q", tt.in, tt.max, got, slackLen(got), tt.want)
		}
	}
}

func TestLinkURL(t *testing.T) {
	tests := []struct {
		u  string
		ok bool
	}{
		{"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32020R1125&from=EN", true},
		{"http://data.europa.eu/eli/reg_impl/2020/1125/oj", true},
		{"https://evil.example/a|b", false},
		{"https://evil.example/<!channel>", false},
		{"https://evil.example/a b", false},
		{"https://evil.example/\x1b", false},
		{"javascript:alert(1)", false},
		{"ftp://example.org/x", false},
		{"https://user@evil.example/", false},
		{"//no-scheme.example/x", false},
		{"https://", false},
		{"https://x.example/" + strings.Repeat("a", 1000), false},
	}
	for _, tt := range tests {
		if _, ok := linkURL(tt.u); ok != tt.ok {
			t.Errorf("linkURL(%q) ok = %v, want %v", tt.u, ok, tt.ok)
		}
	}
}
