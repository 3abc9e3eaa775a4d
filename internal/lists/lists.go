// Package lists is the registry of the sanctions lists the tracker
// follows: one table (registry.go) says everything about each list, and
// config defaults, `tracker help`, the daemon, `doctor`, the alert filter
// and the docs read it. Adding a publisher is one parser package under
// internal/source plus one entry in that table (docs/architecture.md).
package lists

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/source"
)

// List is everything the tracker knows about one sanctions list.
type List struct {
	Name      string // "ofac-sdn": the name used in config, CLI and storage
	Publisher string // "US OFAC (SDN List)": the list's name in alerts
	// Authority is who designates ("US", "UK", "EU"): an entry's "not
	// listed by" names authorities, and a list of its own authority
	// (ofac-consolidated for ofac-sdn) is not another list.
	Authority string
	// URLs are the official download URLs (config may override them).
	URLs  []string
	Parse source.Parser
	// NewReader, if set, returns a parser like Parse that remembers the
	// last publication it read, for reading many of the list's versions
	// in a row (a replay): each then costs what changed since the one
	// before. It holds a publication's entities between reads.
	NewReader func() source.Parser
	// Formats says in words what the list's files look like, and
	// Recognises tells them from the first bytes, for `tracker doctor`.
	Formats    string
	Recognises func(fetch.Format) bool
	// CyberRegimes are the programme or regime names that mark a cyber
	// designation on this list (matched case-insensitively): the default
	// alert filter.
	CyberRegimes []string
	// ImportOnly lists are history sources for `tracker import`, never
	// fetched and never enabled.
	ImportOnly bool
	// Enabled: checked when the configuration says nothing.
	Enabled bool
	// Schedule is the list's default cron spec; "" follows the global
	// schedule.
	Schedule string
	// Timeout bounds one download attempt; Retries is how many more
	// attempts a retryable failure gets; MaxBytes caps a published file.
	Timeout  time.Duration
	Retries  int
	MaxBytes int64
	Guards   Guards
	// UserAgentRule is the publisher's firewall rule on the User-Agent,
	// if it has one; Hosts are the hosts that apply it.
	UserAgentRule *fetch.UserAgentRule
	// Polling is what the publisher's server is known to do with cheap
	// requests, which decides how often the daemon may check the list.
	Polling Polling
}

// Polling is what is known of a publisher's server, for adaptive polling
// (docs/operators.md, "Polling"). What is not known is learnt from the
// server's answers, never assumed.
type Polling struct {
	// Validators says whether the server answers a conditional request
	// (If-None-Match, If-Modified-Since) with 304 when nothing changed.
	Validators ValidatorSupport
	// Probe is the cheap request the server answers truthfully (HEAD, or
	// a GET of the first bytes), tried between the scheduled checks of a
	// list in schedule mode; ProbeNone where that is not known.
	Probe Probe
	// FastInterval is how often a list whose server honours validators is
	// checked; 0 is DefaultFastInterval.
	FastInterval time.Duration
}

// DefaultFastInterval: a 304 moves no body, so a check every five minutes
// costs the publisher a few hundred bytes and keeps the delay from
// publication to alert within minutes.
const DefaultFastInterval = 5 * time.Minute

// ValidatorSupport is what a server does with HTTP validators.
type ValidatorSupport string

const (
	// ValidatorsUnknown: learnt from the server's answers (the default).
	ValidatorsUnknown ValidatorSupport = ""
	// ValidatorsHonoured: known to answer 304 when nothing changed.
	ValidatorsHonoured ValidatorSupport = "honoured"
	// ValidatorsIgnored: known to send the whole file whatever the
	// request says; the list keeps its schedule.
	ValidatorsIgnored ValidatorSupport = "ignored"
)

// Probe is a cheap request that tells whether a file changed.
type Probe string

const (
	ProbeNone  Probe = ""
	ProbeHEAD  Probe = "head"  // HEAD: Content-Length, ETag, Last-Modified
	ProbeRange Probe = "range" // GET with Range: bytes=0-4095: the file's size and its first bytes
)

// FastEvery is the list's fast interval, default applied.
func (p Polling) FastEvery() time.Duration {
	if p.FastInterval > 0 {
		return p.FastInterval
	}
	return DefaultFastInterval
}

// Guards quarantine a snapshot that looks like a broken publication rather
// than real change, so it is not announced as mass delistings.
type Guards struct {
	MinEntities     int     `json:"min_entities"`      // 0 = off
	MaxRemovedShare float64 `json:"max_removed_share"` // 0..1 of the previous snapshot's entities; 0 = off
}

// Expects reports whether f is a format the list is published in, and
// says in words what is expected. A list without a recogniser accepts any
// XML or CSV.
func (l List) Expects(f fetch.Format) (ok bool, want string) {
	if l.Recognises == nil {
		return f.Kind == "xml" || f.Kind == "csv", "XML or CSV"
	}
	return l.Recognises(f), l.Formats
}

var (
	mu    sync.RWMutex
	known = map[string]List{}
)

func init() {
	for _, l := range registry {
		if err := add(l); err != nil {
			panic(err)
		}
	}
}

func add(l List) error {
	mu.Lock()
	defer mu.Unlock()
	if l.Name == "" || l.Parse == nil {
		return fmt.Errorf("list %q: a name and a parser are required", l.Name)
	}
	if _, dup := known[l.Name]; dup {
		return fmt.Errorf("list %q registered twice", l.Name)
	}
	known[l.Name] = l
	return nil
}

// Register adds a list that is not in the registry table, until the
// returned function removes it again. It is for tests, which show that
// a parser and one entry are all a new publisher needs.
func Register(l List) (unregister func(), err error) {
	if err := add(l); err != nil {
		return nil, err
	}
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(known, l.Name)
	}, nil
}

// Lookup returns the list called name.
func Lookup(name string) (List, error) {
	mu.RLock()
	l, ok := known[name]
	mu.RUnlock()
	if !ok {
		return List{}, fmt.Errorf("unknown list %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return l, nil
}

// AuthorityOf returns the authority of the list called name, or name
// itself for a list the registry does not know.
func AuthorityOf(name string) string {
	if l, err := Lookup(name); err == nil && l.Authority != "" {
		return l.Authority
	}
	return name
}

// Names returns the names of every known list, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// All returns every known list, sorted by name.
func All() []List {
	names := Names()
	out := make([]List, 0, len(names))
	for _, n := range names {
		l, err := Lookup(n)
		if err == nil {
			out = append(out, l)
		}
	}
	return out
}
