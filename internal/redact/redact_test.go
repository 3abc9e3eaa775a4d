package redact

import (
	"errors"
	"testing"
)

func TestURL(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"EU token": {
			"https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
			"https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=REDACTED",
		},
		"userinfo": {"https://alice:s3cret@lists.example.org/sdn.xml", "https://lists.example.org/sdn.xml"},
		"signed URL keeps order and other parameters": {
			"https://b.example.org/sdn.csv?lang=en&api_key=abc&X-Amz-Signature=def&X-Amz-Credential=AKIA%2F1&page=2#frag",
			"https://b.example.org/sdn.csv?lang=en&api_key=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&page=2",
		},
		"empty secret value":   {"https://x.example.org/a?token=&b=1", "https://x.example.org/a?token=&b=1"},
		"official OFAC URL":    {"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML", "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML"},
		"plain path":           {"/var/lib/tracker/in/2024-05-03 sdn.csv", "/var/lib/tracker/in/2024-05-03 sdn.csv"},
		"file URL":             {"file:///var/lib/tracker/sdn.csv", "file:///var/lib/tracker/sdn.csv"},
		"Slack webhook":        {"https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX", "https://hooks.slack.com/services/REDACTED"},
		"unparsable":           {"http://bob:pw@h.example.org/%zz?token=abc", "http://h.example.org/%zz?REDACTED"},
		"unparsable, no query": {"http://bob:pw@h.example.org/%zz", "http://h.example.org/%zz"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := URL(tt.in); got != tt.want {
				t.Errorf("URL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestScrubber(t *testing.T) {
	s := New("xoxb-123-secret", "", "ab", "https://hooks.slack.com/services/T0/B0/XYZ")
	for in, want := range map[string]string{
		"slack: invalid_auth for xoxb-123-secret":              "slack: invalid_auth for [REDACTED]",
		"post https://hooks.slack.com/services/T0/B0/XYZ: 404": "post [REDACTED]: 404",
		"nothing secret here, not even ab":                     "nothing secret here, not even ab",
		"twice: xoxb-123-secret and xoxb-123-secret":           "twice: [REDACTED] and [REDACTED]",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if !s.Reveals(errors.New("token xoxb-123-secret").Error()) || s.Reveals("clean") {
		t.Error("Reveals is wrong")
	}
	var none *Scrubber
	if none.String("xoxb-123-secret") != "xoxb-123-secret" {
		t.Error("a nil Scrubber changed text")
	}
	u := ForURL("https://bob:hunter22@lists.example/sdn.xml?token=abcdef&lang=en")
	// "bob" is too short to scrub without mangling text; the password is not.
	if got := u.String(`Get "https://bob:hunter22@lists.example/sdn.xml?token=abcdef&lang=en": EOF`); got != `Get "https://bob:[REDACTED]@lists.example/sdn.xml?token=[REDACTED]&lang=en": EOF` {
		t.Errorf("ForURL scrubbed %q", got)
	}
}
