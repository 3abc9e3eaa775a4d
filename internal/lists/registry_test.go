package lists

import (
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/fetch"
)

func TestEURegistered(t *testing.T) {
	l, err := Lookup("eu-fsf")
	if err != nil {
		t.Fatal(err)
	}
	if l.Publisher != "EU (Financial Sanctions Files)" || l.Parse == nil || !slices.Equal(l.CyberRegimes, []string{"CYB"}) {
		t.Errorf("eu-fsf = %+v", l)
	}
	if len(l.URLs) != 1 || !strings.Contains(l.URLs[0], "xmlFullSanctionsList_1_1") {
		t.Errorf("URLs = %v", l.URLs)
	}
}

func TestOFACRegistered(t *testing.T) {
	for _, name := range []string{"ofac-sdn", "ofac-consolidated"} {
		l, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if l.Parse == nil || !slices.Contains(l.CyberRegimes, "CYBER2") {
			t.Errorf("%s: %+v", name, l)
		}
	}
}

func TestUKListsRegistered(t *testing.T) {
	for _, tt := range []struct {
		name       string
		importOnly bool
	}{{"uk-sanctions-list", false}, {"uk-ofsi-conlist", true}} {
		l, err := Lookup(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if l.ImportOnly != tt.importOnly || l.Parse == nil || !slices.Contains(l.CyberRegimes, "The Cyber (Sanctions) (EU Exit) Regulations 2020") || !slices.Contains(l.CyberRegimes, "Cyber") {
			t.Errorf("%s registered as %+v", tt.name, l)
		}
	}
}

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

func TestUserAgentRuleFor(t *testing.T) {
	for u, want := range map[string]*fetch.UserAgentRule{
		"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML": OFACUserAgentRule,
		"https://www.treasury.gov/ofac/downloads/sdn.xml":                                    nil,
		"https://treas.gov.example.org/sdn.xml":                                              nil,
		"http://127.0.0.1:8080/sdn.xml":                                                      nil,
		"https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml":                       nil,
	} {
		if got := UserAgentRuleFor(u); got != want {
			t.Errorf("UserAgentRuleFor(%q) = %v, want %v", u, got, want)
		}
	}
}

// TestRegistryComplete: every entry says everything the config, the
// daemon and doctor read from it.
func TestRegistryComplete(t *testing.T) {
	for _, l := range All() {
		if l.Publisher == "" || l.Authority == "" || len(l.CyberRegimes) == 0 || l.Formats == "" || l.Recognises == nil ||
			l.Timeout <= 0 || l.Retries < 0 || l.MaxBytes <= 0 {
			t.Errorf("%s: incomplete entry %+v", l.Name, l)
		}
		if !l.ImportOnly && len(l.URLs) == 0 {
			t.Errorf("%s: a fetched list needs its official URLs", l.Name)
		}
		if l.ImportOnly && l.Enabled {
			t.Errorf("%s: an import-only list cannot be enabled by default", l.Name)
		}
	}
	if _, err := Register(List{Name: "ofac-sdn", Parse: All()[0].Parse}); err == nil {
		t.Error("a second ofac-sdn was registered")
	}
}
