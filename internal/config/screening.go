package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// mentionPattern is what screening.mention may hold: Slack's special
// mentions, a user and a user group, separated by spaces. The mention goes
// into Slack verbatim, so nothing else may: no link, no text a list could
// have written.
var mentionPattern = regexp.MustCompile(`^(<!here>|<!channel>|<!everyone>|<@[UW][A-Z0-9]{2,20}>|<!subteam\^S[A-Z0-9]{2,20}>)( (<!here>|<!channel>|<!everyone>|<@[UW][A-Z0-9]{2,20}>|<!subteam\^S[A-Z0-9]{2,20}>))*$`)

// screening reads the screening section.
func (l *loader) screening(sc *ScreeningConfig, n *yaml.Node, path string) {
	l.mapping(n, path, map[string]field{
		"file": l.scalarField(func(v *yaml.Node, path, s string) {
			if strings.TrimSpace(s) == "" {
				l.failf(v, path, "empty (leave the key out to turn screening off)")
				return
			}
			sc.File = s
		}),
		"threshold": l.scalarField(func(v *yaml.Node, path, s string) {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(f) || f <= 0 || f > 1 {
				l.failf(v, path, "want a score above 0 and at most 1 (e.g. 0.85), got %q", s)
				return
			}
			sc.Threshold = f
		}),
		"regimes": l.stringList(&sc.Regimes, nil),
		"lists": l.stringList(&sc.Lists, func(s string) error {
			if _, known := l.known[s]; !known {
				msg := fmt.Sprintf("unknown list %q (known: %s)", s, strings.Join(sortedKeys(l.known), ", "))
				if near := nearest(s, sortedKeys(l.known)); near != "" {
					msg += fmt.Sprintf("; did you mean %q?", near)
				}
				return fmt.Errorf("%s", msg)
			}
			return nil
		}),
		"channel": l.channel(&sc.Channel),
		"mention": l.scalarField(func(v *yaml.Node, path, s string) {
			if s == "" {
				return
			}
			if !mentionPattern.MatchString(s) {
				l.failf(v, path, "want Slack mentions separated by spaces: <!here>, <!channel>, <!everyone>, <@U0123ABCD> or <!subteam^S0123ABCD>; got %q", s)
				return
			}
			sc.Mention = s
		}),
	})
}

// finishScreening checks the screening settings against the rest: a
// channel needs a Slack bot token, settings without a file do nothing.
func (l *loader) finishScreening(cfg *Config, n *yaml.Node) {
	sc := cfg.Screening
	if n == nil || isNull(deref(n)) {
		return
	}
	if sc.File == "" && !l.failedAt("screening.file") {
		l.failf(n, "screening.file", "required: the counterparty file to screen against (without it screening is off; remove the section)")
	}
	if sc.Channel != "" && cfg.Slack != nil && cfg.Slack.WebhookMode() {
		l.failf(n, "screening.channel", "has no effect in webhook mode (the webhook decides the channel); remove it or use a token")
	}
}
