package lists

import (
	"regexp"
	"strings"
	"time"

	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/eu"
	"github.com/cybersanctions/tracker/internal/source/ofac"
	"github.com/cybersanctions/tracker/internal/source/uk"
)

// Defaults shared by most entries of the table.
const (
	hourly          = "" // the global schedule, "@every 1h" by default
	downloadTimeout = 2 * time.Minute
	retries         = 3
	maxBytes        = 512 << 20
)

// unknownServer is the polling entry of a publisher whose server's
// behaviour nobody has recorded: whether it honours validators is learnt
// from its answers (a 304 to a conditional request), no probe is tried,
// and a list it serves is checked every DefaultFastInterval only once it
// has shown that it honours them.
var unknownServer = Polling{Validators: ValidatorsUnknown, Probe: ProbeNone, FastInterval: DefaultFastInterval}

// guards: a publication that would delist more than 5% of a list at once
// is far likelier a broken file than policy, and is quarantined.
var guards = Guards{MaxRemovedShare: 0.05}

// Standard is what a list gets where its entry says nothing: the settings
// of a list name the registry does not know (config falls back on it).
func Standard(name string) List {
	return List{Name: name, Timeout: downloadTimeout, Retries: retries, MaxBytes: maxBytes, Guards: guards}
}

// registry is the table of every list the tracker follows. The primary
// list of each publisher is enabled by default.
var registry = []List{
	ofacList("ofac-sdn", "US OFAC (SDN List)", "SDN.XML", true),
	// Off by default: its cyber content is rare, and an operator should
	// opt in to a fourth download.
	ofacList("ofac-consolidated", "US OFAC (Consolidated non-SDN List)", "CONSOLIDATED.XML", false),
	{
		Name:      "eu-fsf",
		Publisher: "EU (Financial Sanctions Files)",
		Authority: "EU",
		// The token is a public constant the FSF site puts in every download
		// link; it is not a credential.
		URLs:    []string{"https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw"},
		Parse:   eu.Parse,
		Formats: "XML <export> or FSF CSV",
		Recognises: func(f fetch.Format) bool {
			return (f.Kind == "xml" && f.Detail == "export") || (f.Kind == "csv" && strings.Contains(f.Detail, "Entity_LogicalId"))
		},
		CyberRegimes: eu.CyberRegimes,
		Enabled:      true,
		Schedule:     hourly,
		// The EU's server is slow to produce its full XML (~25 MB).
		Timeout:  10 * time.Minute,
		Retries:  retries,
		MaxBytes: maxBytes,
		Guards:   guards,
		// Unknown: no recorded answer of the FSF server to a conditional
		// request. Without a 304 it stays hourly: each check moves ~25 MB.
		Polling: unknownServer,
	},
	{
		Name:      "uk-sanctions-list",
		Publisher: "UK (FCDO UK Sanctions List)",
		Authority: "UK",
		URLs:      []string{"https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"},
		Parse:     uk.ParseSanctionsList,
		Formats:   `XML <Designations> or CSV starting "Report Date"`,
		Recognises: func(f fetch.Format) bool {
			return (f.Kind == "xml" && f.Detail == "Designations") || (f.Kind == "csv" && strings.HasPrefix(f.Detail, "Report Date"))
		},
		CyberRegimes: uk.CyberRegimes,
		Enabled:      true,
		Schedule:     hourly,
		Timeout:      downloadTimeout,
		Retries:      retries,
		MaxBytes:     maxBytes,
		Guards:       guards,
		// Unknown: the FCDO's file server has no recorded behaviour with
		// validators or HEAD; learnt from its answers.
		Polling: unknownServer,
	},
	{
		// OFSI's Consolidated List closed on 2026-01-28; its archived files
		// are history for `tracker import`.
		Name:      "uk-ofsi-conlist",
		Publisher: "UK (OFSI Consolidated List)",
		Authority: "UK",
		Parse:     uk.ParseConList,
		Formats:   `CSV starting "Last Updated"`,
		Recognises: func(f fetch.Format) bool {
			return f.Kind == "csv" && strings.HasPrefix(f.Detail, "Last Updated")
		},
		CyberRegimes: uk.CyberRegimes,
		ImportOnly:   true,
		Timeout:      downloadTimeout,
		Retries:      retries,
		MaxBytes:     maxBytes,
		Guards:       guards,
	},
}

// ofacList is one of OFAC's two lists: the same publisher, formats,
// cyber programmes and firewall, each from its own export.
func ofacList(name, publisher, export string, enabled bool) List {
	return List{
		Name:      name,
		Publisher: publisher,
		Authority: "US",
		URLs:      []string{"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/" + export},
		Parse:     ofac.Parse,
		NewReader: func() source.Parser { return new(ofac.Reader).Parse },
		// OFAC's legacy XML, or its CSV, which has no header: the first
		// field is an ent_num.
		Formats:       "XML <sdnList> or OFAC CSV",
		Recognises:    ofacRecognises,
		CyberRegimes:  ofac.CyberPrograms,
		Enabled:       enabled,
		Schedule:      hourly,
		Timeout:       downloadTimeout,
		Retries:       retries,
		MaxBytes:      maxBytes,
		Guards:        guards,
		UserAgentRule: OFACUserAgentRule,
		// Unknown: the Sanctions List Service's answer to a conditional
		// request is not recorded; learnt from its answers.
		Polling: unknownServer,
	}
}

func ofacRecognises(f fetch.Format) bool {
	first, _, _ := strings.Cut(f.Detail, ",")
	return (f.Kind == "xml" && f.Detail == "sdnList") || (f.Kind == "csv" && first != "" && strings.Trim(first, "0123456789") == "")
}

// OFACUserAgentRule is the rule OFAC's download host applies since
// 2026-07-30: "Mozilla/" and a digit first, 40 characters at least;
// anything else gets 403 Forbidden with an HTML page.
var OFACUserAgentRule = &fetch.UserAgentRule{
	Accepts: OFACAcceptsUserAgent,
	Text:    `OFAC's download host answers 403 unless the User-Agent starts with "Mozilla/" and a digit and is at least 40 characters long (user_agent in the config)`,
	Hosts:   []string{"treas.gov"},
}

var ofacUserAgent = regexp.MustCompile(`^Mozilla/[0-9]`)

// OFACAcceptsUserAgent reports whether OFAC's download host lets a
// request with this User-Agent through.
func OFACAcceptsUserAgent(ua string) bool {
	return ofacUserAgent.MatchString(ua) && len(ua) >= 40
}

// UserAgentRuleFor returns the rule of the publisher serving rawURL, if
// any list's publisher has one for its host.
func UserAgentRuleFor(rawURL string) *fetch.UserAgentRule {
	for _, l := range All() {
		if l.UserAgentRule != nil && l.UserAgentRule.Covers(rawURL) {
			return l.UserAgentRule
		}
	}
	return nil
}
