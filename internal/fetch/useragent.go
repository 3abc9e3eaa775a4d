package fetch

import (
	"net/url"
	"regexp"
	"strings"
)

// ofacUserAgent is the rule OFAC's download host applies since
// 2026-07-30: "Mozilla/" and a digit first, 40 characters at least;
// anything else gets 403 Forbidden with an HTML page.
var ofacUserAgent = regexp.MustCompile(`^Mozilla/[0-9]`)

// UserAgentRule is a publisher's firewall rule on the User-Agent.
type UserAgentRule struct {
	Accepts func(ua string) bool
	Text    string // the rule in words, for errors and hints
}

// OFACRule is OFAC's rule.
var OFACRule = &UserAgentRule{Accepts: OFACAcceptsUserAgent, Text: OFACUserAgentRule}

// OFACAcceptsUserAgent reports whether OFAC's download host lets a
// request with this User-Agent through.
func OFACAcceptsUserAgent(ua string) bool {
	return ofacUserAgent.MatchString(ua) && len(ua) >= 40
}

// OFACUserAgentRule says the rule in words, for errors and hints.
const OFACUserAgentRule = `OFAC's download host answers 403 unless the User-Agent starts with "Mozilla/" and a digit and is at least 40 characters long (user_agent in the config)`

// IsOFACHost reports whether a list URL is served by OFAC (treas.gov).
func IsOFACHost(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "treas.gov" || strings.HasSuffix(h, ".treas.gov")
}
