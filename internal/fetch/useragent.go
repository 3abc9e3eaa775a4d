package fetch

import (
	"fmt"
	"net/url"
	"strings"
)

// Version is the tracker's version, as it names itself to publishers.
const Version = "0.1"

// ProjectURL is where a publisher's operator can find out who we are.
const ProjectURL = "https://github.com/cybersanctions/tracker"

// DefaultUserAgent passes OFAC's firewall rule (see OFACAcceptsUserAgent)
// and still names the tracker and where to find it.
const DefaultUserAgent = "Mozilla/5.0 (compatible; tracker/" + Version + "; +" + ProjectURL + ")"

// OFACMinUserAgentLen is the shortest User-Agent OFAC's firewall lets through.
const OFACMinUserAgentLen = 40

// OFACAcceptsUserAgent applies the rule OFAC's download host
// (sanctionslistservice.ofac.treas.gov) has enforced since 2026-07-30: the
// User-Agent starts with "Mozilla/" followed by a digit and is at least 40
// characters long; anything else gets 403 Forbidden with an HTML page.
// Nothing else in the header is checked. It returns nil when ua passes,
// else an error saying which part fails. The config check, the 403
// message and doctor all use it, so the rule is written once.
func OFACAcceptsUserAgent(ua string) error {
	var problems []string
	if !strings.HasPrefix(ua, "Mozilla/") || len(ua) <= len("Mozilla/") || ua[len("Mozilla/")] < '0' || ua[len("Mozilla/")] > '9' {
		problems = append(problems, `does not start with "Mozilla/" and a digit`)
	}
	if len(ua) < OFACMinUserAgentLen {
		problems = append(problems, fmt.Sprintf("is %d characters long, under %d", len(ua), OFACMinUserAgentLen))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("User-Agent %q %s", ua, strings.Join(problems, " and "))
}

// OFACUserAgentRule is the rule in words, for messages and docs.
const OFACUserAgentRule = `OFAC's server refuses a User-Agent unless it starts with "Mozilla/" and a digit and is at least 40 characters long`

// IsOFACHost reports whether host (a host name, host:port or URL) is one
// of OFAC's download hosts, the ones behind the User-Agent rule.
func IsOFACHost(host string) bool {
	if strings.Contains(host, "://") {
		if u, err := url.Parse(host); err == nil {
			host = u.Host
		}
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "ofac.treas.gov" || strings.HasSuffix(host, ".ofac.treas.gov") ||
		host == "ofac.treasury.gov" || strings.HasSuffix(host, ".ofac.treasury.gov")
}

// forbiddenHint says what to check after a 403: the User-Agent rule when
// the host is OFAC's or the User-Agent sent would fail it (a common cause
// anywhere), else that the publisher refused access.
func forbiddenHint(host, ua string) string {
	if ua == "" {
		ua = DefaultUserAgent
	}
	uaErr := OFACAcceptsUserAgent(ua)
	switch {
	case uaErr != nil:
		return fmt.Sprintf("access refused: %s; the %v: check user_agent in the config, or remove it to use the default", OFACUserAgentRule, uaErr)
	case IsOFACHost(host):
		return fmt.Sprintf("access refused by OFAC although the User-Agent passes its known rule (%s): check user_agent, the URL, and whether OFAC changed its firewall", OFACUserAgentRule)
	default:
		return "access refused by the publisher: check the URL and whether the publisher changed who may download it"
	}
}
