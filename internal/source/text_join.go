package source

import (
	"strings"

	"github.com/cybersanctions/tracker"
)

// JoinTrimmed joins with sep the parts that are not empty once trimmed of
// white space, trimmed: a street from its address lines, where a publisher
// leaves some lines blank.
func JoinTrimmed(sep string, parts ...string) string {
	return joinNonEmpty(sep, strings.TrimSpace, parts...)
}

// JoinCleaned is JoinTrimmed with each part's inner runs of white space
// folded to one space as well (tracker.CleanSpace).
func JoinCleaned(sep string, parts ...string) string {
	return joinNonEmpty(sep, tracker.CleanSpace, parts...)
}

func joinNonEmpty(sep string, clean func(string) string, parts ...string) string {
	// Most joins have one part or none: no allocation for those.
	only, n := "", 0
	for _, p := range parts {
		if p = clean(p); p != "" {
			only = p
			n++
		}
	}
	if n <= 1 {
		return only
	}
	var b strings.Builder
	for _, p := range parts {
		if p = clean(p); p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}
