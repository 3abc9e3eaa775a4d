package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOFACAcceptsUserAgent(t *testing.T) {
	tests := []struct {
		name string
		ua   string
		ok   bool
		why  string // part of the error when refused
	}{
		{"default", DefaultUserAgent, true, ""},
		{"browser", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", true, ""},
		{"exactly 40", "Mozilla/5" + strings.Repeat("x", 40-len("Mozilla/5")), true, ""},
		{"39 characters", "Mozilla/5" + strings.Repeat("x", 39-len("Mozilla/5")), false, "39 characters"},
		{"old default", "tracker/0.1 (sanctions list monitor; +https://github.com/cybersanctions/tracker)", false, `"Mozilla/"`},
		{"no digit after slash", "Mozilla/x.0 (compatible; tracker/0.1; +https://example.org/x)", false, "digit"},
		{"lower case", "mozilla/5.0 (compatible; tracker/0.1; +https://example.org/x)", false, `"Mozilla/"`},
		{"Mozilla later in string", "Crawler Mozilla/5.0 (compatible; tracker/0.1; +https://x.org)", false, `"Mozilla/"`},
		{"bare prefix", "Mozilla/", false, "under 40"},
		{"empty", "", false, "0 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := OFACAcceptsUserAgent(tt.ua)
			if (err == nil) != tt.ok {
				t.Fatalf("OFACAcceptsUserAgent(%q) = %v, want ok=%v", tt.ua, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), tt.why) {
				t.Errorf("error %q does not say %q", err, tt.why)
			}
		})
	}
	if len(DefaultUserAgent) < OFACMinUserAgentLen || !strings.Contains(DefaultUserAgent, "tracker/"+Version) {
		t.Errorf("DefaultUserAgent %q does not name the tracker or is too short", DefaultUserAgent)
	}
}

func TestIsOFACHost(t *testing.T) {
	for host, want := range map[string]bool{
		"sanctionslistservice.ofac.treas.gov":               true,
		"SanctionsListService.OFAC.treas.gov:443":           true,
		"https://sanctionslistservice.ofac.treas.gov/api/x": true,
		"ofac.treasury.gov":                                 true,
		"www.treasury.gov":                                  false,
		"ofac.treas.gov.example.com":                        false,
		"127.0.0.1:8080":                                    false,
	} {
		if got := IsOFACHost(host); got != want {
			t.Errorf("IsOFACHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// A 403 names what to check: the User-Agent rule when the UA sent fails it,
// else that the publisher refused access.
func TestForbiddenMessage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<html><head><title>Access Denied</title></head><body>Request Rejected</body></html>"))
	}))
	defer srv.Close()
	tests := []struct {
		ua   string
		want []string
	}{
		{"curl/8.0", []string{"403 Forbidden", "Access Denied", `"Mozilla/"`, "user_agent", `"curl/8.0"`}},
		{"", []string{"403 Forbidden", "access refused by the publisher"}}, // the default passes the rule
	}
	for _, tt := range tests {
		d := &Downloader{UserAgent: tt.ua, Retries: -1}
		_, err := d.Get(context.Background(), srv.URL+"/SDN.XML?token=sekrit-value", Validators{})
		if err == nil {
			t.Fatalf("UA %q: no error", tt.ua)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("UA %q: error %q lacks %q", tt.ua, err, w)
			}
		}
		if strings.Contains(err.Error(), "sekrit") {
			t.Errorf("secret in %q", err)
		}
	}
}

func TestSniffFormat(t *testing.T) {
	tests := []struct {
		list string
		head string
		want string
		ok   bool
	}{
		{"ofac-sdn", "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<sdnList xmlns=\"x\"><publshInformation>", "XML <sdnList>", true},
		{"ofac-sdn", `36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA"`, `CSV "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\""`, true},
		{"ofac-sdn", "<!DOCTYPE html><html><body>Login</body></html>", "html", false},
		{"ofac-sdn", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">", "html", false},
		{"eu-fsf", "<export generationDate=\"2024-10-02\">", "XML <export>", true},
		{"eu-fsf", "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_UnitedNationId\n", `CSV "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumbe…"`, true},
		{"uk-sanctions-list", "<Designations><Designation>", "XML <Designations>", true},
		{"uk-sanctions-list", "Report Date: 05-Jun-2023\r\nLast Updated,Unique ID", `CSV "Report Date: 05-Jun-2023"`, true},
		{"uk-sanctions-list", "<export>", "XML <export>", false},
		{"eu-fsf", "   ", "empty", false},
		{"eu-fsf", "\x1b[31mhello", "unknown", false},
		{"ofac-sdn", "12,\x1b[2J\x1b]0;pwned\x07NAME\n", `CSV "12,[2J]0;pwnedNAME"`, true}, // terminal escapes dropped
	}
	for _, tt := range tests {
		f := SniffFormat([]byte(tt.head))
		if f.String() != tt.want {
			t.Errorf("SniffFormat(%q) = %s, want %s", tt.head, f, tt.want)
		}
		if ok, _ := ExpectedFormat(tt.list, f); ok != tt.ok {
			t.Errorf("ExpectedFormat(%s, %s) = %v, want %v", tt.list, f, ok, tt.ok)
		}
	}
}

func TestForbiddenHint(t *testing.T) {
	tests := []struct{ host, ua, want string }{
		{"sanctionslistservice.ofac.treas.gov", "", "access refused by OFAC although the User-Agent passes"},
		{"sanctionslistservice.ofac.treas.gov", "Go-http-client/1.1", `"Mozilla/" and a digit`},
		{"example.org", "Go-http-client/1.1", `"Mozilla/" and a digit`},
		{"webgate.ec.europa.eu", DefaultUserAgent, "access refused by the publisher"},
	}
	for _, tt := range tests {
		if got := forbiddenHint(tt.host, tt.ua); !strings.Contains(got, tt.want) {
			t.Errorf("forbiddenHint(%q, %q) = %q, want %q in it", tt.host, tt.ua, got, tt.want)
		}
	}
}
