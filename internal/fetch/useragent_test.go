package fetch

import (
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

func TestOFACAcceptsUserAgent(t *testing.T) {
	for _, tt := range []struct {
		ua   string
		want bool
	}{
		{tracker.UserAgent, true},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101", true},
		{"Mozilla/5.0 (compatible; tracker)", false}, // 34 characters
		{"Mozilla/x.0 (compatible; tracker/0.2; +https://example.org/)", false},
		{"tracker/0.1 (sanctions list monitor; +https://github.com/cybersanctions/tracker)", false},
		{" Mozilla/5.0 (compatible; tracker/0.2; +https://example.org/)", false},
		{"mozilla/5.0 (compatible; tracker/0.2; +https://example.org/)", false},
		{"", false},
	} {
		if got := OFACAcceptsUserAgent(tt.ua); got != tt.want {
			t.Errorf("OFACAcceptsUserAgent(%q) = %v, want %v", tt.ua, got, tt.want)
		}
	}
	if len(tracker.UserAgent) < 40 || !strings.Contains(tracker.UserAgent, "tracker/") {
		t.Errorf("default User-Agent %q: want at least 40 characters naming the tracker", tracker.UserAgent)
	}
}

func TestIsOFACHost(t *testing.T) {
	for u, want := range map[string]bool{
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML": true,
		"https://www.treasury.gov/ofac/downloads/sdn.xml":                                    false,
		"https://treas.gov.example.org/sdn.xml":                                              false,
		"http://127.0.0.1:8080/sdn.xml":                                                      false,
	} {
		if got := IsOFACHost(u); got != want {
			t.Errorf("IsOFACHost(%q) = %v, want %v", u, got, want)
		}
	}
}
