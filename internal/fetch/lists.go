package fetch

import (
	"fmt"
	"sort"
	"strings"
)

// List describes one sanctions list the tracker knows how to follow.
// Adding a list is one entry here plus its parser.
type List struct {
	Name      string   // "ofac-sdn": the name used in config, CLI and storage
	Publisher string   // "US OFAC": shown in alerts
	URLs      []string // official download URLs (config may override)
	Parse     Parser
	// CyberRegimes are the programme or regime names that mark a cyber
	// designation on this list (matched case-insensitively).
	CyberRegimes []string
	// ImportOnly lists are history sources for `tracker import`, not fetched.
	ImportOnly bool
	// UserAgentRule is the publisher's firewall rule on the User-Agent,
	// if it has one.
	UserAgentRule *UserAgentRule
}

var registry = map[string]List{}

func register(l List) { registry[l.Name] = l }

// Lookup returns the list called name.
func Lookup(name string) (List, error) {
	l, ok := registry[name]
	if !ok {
		return List{}, fmt.Errorf("unknown list %q (known: %s)", name, strings.Join(ListNames(), ", "))
	}
	return l, nil
}

// ListNames returns the names of every known list, sorted.
func ListNames() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ofacCyber is OFAC's family of cyber programme tags: CYBER (EO 13694),
// CYBER2 (EO 13757), and CYBER3/CYBER4 introduced in 2025.
var ofacCyber = []string{"CYBER", "CYBER2", "CYBER3", "CYBER4"}

func init() {
	register(List{
		Name:          "ofac-sdn",
		Publisher:     "US OFAC (SDN List)",
		URLs:          []string{"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML"},
		Parse:         ParseOFAC,
		CyberRegimes:  ofacCyber,
		UserAgentRule: OFACRule,
	})
	register(List{
		Name:          "ofac-consolidated",
		Publisher:     "US OFAC (Consolidated non-SDN List)",
		URLs:          []string{"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONSOLIDATED.XML"},
		Parse:         ParseOFAC,
		CyberRegimes:  ofacCyber,
		UserAgentRule: OFACRule,
	})
}
