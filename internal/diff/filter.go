package diff

import (
	"strings"

	"github.com/cybersanctions/tracker"
)

// Filter restricts changes to designations under some regimes (programmes).
type Filter struct {
	Regimes []string // matched case-insensitively against an entity's programmes
	All     bool     // every regime: the filter keeps every change
}

// Matches reports whether any of programs is one of the filter's regimes.
func (f Filter) Matches(programs []string) bool {
	if f.All {
		return true
	}
	for _, p := range programs {
		for _, r := range f.Regimes {
			if strings.EqualFold(strings.TrimSpace(p), strings.TrimSpace(r)) {
				return true
			}
		}
	}
	return false
}

// Apply keeps the changes that concern the filter's regimes, as seen from
// those regimes: an entity already listed elsewhere that gains one of them
// is a new designation (Added, its programme change in Fields); one that
// loses its last matching programme is Removed from the regime. Changes
// that never touched the regimes are dropped.
func (f Filter) Apply(changes []tracker.Change) []tracker.Change {
	if f.All {
		return changes
	}
	var out []tracker.Change
	for _, c := range changes {
		if c.Kind != tracker.Amended {
			if f.Matches(c.Programs) {
				out = append(out, c)
			}
			continue
		}
		before := c.Programs
		for _, fc := range c.Fields {
			if fc.Field == "programs" {
				before = fc.Before
			}
		}
		was, is := f.Matches(before), f.Matches(c.Programs)
		switch {
		case !was && is:
			c.Kind = tracker.Added
		case was && !is:
			c.Kind = tracker.Removed
			c.Programs = before
		case !was && !is:
			continue
		}
		out = append(out, c)
	}
	return out
}
