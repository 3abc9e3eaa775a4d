package fetch

import (
	"net/url"
	"strings"
)

// UserAgentRule is a publisher's firewall rule on the User-Agent.
type UserAgentRule struct {
	Accepts func(ua string) bool
	Text    string // the rule in words, for errors and hints
	// Hosts are the domains whose servers apply the rule, subdomains
	// included, so that a URL configured in place of the official one is
	// checked too.
	Hosts []string
}

// Covers reports whether rawURL is served by a host that applies the rule.
func (r *UserAgentRule) Covers(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, d := range r.Hosts {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}
