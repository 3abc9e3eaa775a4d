package main

import (
	"io"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/notify"
)

// newNotifier builds the one notifier alerts go through: Slack when the
// config has a slack section (bot token or incoming webhook, at api_url if
// set), else stdout in format ("text" or "json"). secrets are the
// credentials that must never appear in a log or an error.
func newNotifier(cfg *config.Config, stdout io.Writer, format string) (n notify.Notifier, secrets []string, err error) {
	s := cfg.Slack
	if s == nil {
		n, err := notify.NewStdout(stdout, format)
		return n, nil, err
	}
	var opts []notify.SlackOption
	if s.APIURL != "" {
		opts = append(opts, notify.WithAPIURL(s.APIURL))
	}
	if s.WebhookMode() {
		n, err := notify.NewSlackWebhook(s.WebhookURL.Reveal(), opts...)
		return n, []string{s.WebhookURL.Reveal()}, err
	}
	n, err = notify.NewSlack(s.Token.Reveal(), s.Channel, opts...)
	return n, []string{s.Token.Reveal()}, err
}
