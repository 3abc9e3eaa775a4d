package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// slackRaw holds what the file says before secrets are resolved.
type slackRaw struct {
	token, webhook secretField
	tokenFileNode  *yaml.Node
	channel        *yaml.Node
	channels       *yaml.Node
	operator       *yaml.Node
}

// secretField remembers where a secret was written, for errors that must
// point at it without printing it.
type secretField struct {
	node *yaml.Node
	set  bool
}

func (l *loader) secret(dst *Secret, sf *secretField) field {
	return func(v *yaml.Node, path string) {
		sf.node = v
		raw, ok := l.raw(v, path)
		if !ok || raw == "" {
			return
		}
		// Errors below never quote the value: it may be the secret itself.
		s, ok := l.expandValue(v, path, raw)
		if !ok {
			return
		}
		s = strings.TrimSpace(s)
		if s == "" {
			l.failf(v, path, "expands to an empty value")
			return
		}
		*dst = Secret(s)
		sf.set = true
	}
}

func (l *loader) slack(sc *SlackConfig, n *yaml.Node, path string) {
	l.slackRaw = &slackRaw{}
	r := l.slackRaw
	l.mapping(n, path, map[string]field{
		"token": l.secret(&sc.Token, &r.token),
		"token_file": func(v *yaml.Node, path string) {
			r.tokenFileNode = v
			l.str(&sc.TokenFile)(v, path)
		},
		"webhook_url": l.secret(&sc.WebhookURL, &r.webhook),
		"channel": func(v *yaml.Node, path string) {
			r.channel = v
			l.channel(&sc.Channel)(v, path)
		},
		"channels": func(v *yaml.Node, path string) {
			r.channels = v
			l.channels(sc, v, path)
		},
		"operator_channel": func(v *yaml.Node, path string) {
			r.operator = v
			l.channel(&sc.OperatorChannel)(v, path)
		},
		"api_url": func(v *yaml.Node, path string) {
			if s, ok := l.scalar(v, path); ok && s != "" {
				if err := checkURL(s); err != nil {
					l.fail(v, path, err)
					return
				}
				// The bot token travels in the Authorization header.
				if u, _ := url.Parse(s); u.Scheme == "http" && !isLoopback(u.Hostname()) {
					l.failf(v, path, "plain http would send the Slack token in clear; use https (http is accepted only for a loopback host)")
					return
				}
				sc.APIURL = s
			}
		},
	})
}

// channel reads a channel name and catches the classic slip: an unquoted
// `channel: #alerts` is a YAML comment, so the value is null.
func (l *loader) channel(dst *string) field {
	return func(v *yaml.Node, path string) {
		if dv := deref(v); isNull(dv) {
			comment := dv.LineComment
			if l.key != nil && comment == "" {
				comment = l.key.LineComment
			}
			if c := strings.TrimSpace(comment); len(c) > 1 && c[0] == '#' && c[1] != ' ' {
				l.failf(v, path, "empty: an unquoted %s is a YAML comment; write \"%s\"", c, c)
			}
			return
		}
		s, ok := l.scalar(v, path)
		if !ok {
			return
		}
		if strings.TrimSpace(s) == "" {
			l.failf(v, path, "empty channel name")
			return
		}
		*dst = s
	}
}

func (l *loader) channels(sc *SlackConfig, n *yaml.Node, path string) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		l.failf(n, path, "want a mapping of list or regime names to channels, got %s", kindName(n))
		return
	}
	// Regimes match case-insensitively, so "Cyber" and "CYBER" would be
	// the same key with two channels.
	folded := map[string]int{}
	l.pairs(n, path, func(k, v *yaml.Node) {
		p := join(path, k.Value)
		if first, dup := folded[strings.ToLower(k.Value)]; dup {
			l.failf(k, p, "same key as the one at line %d (keys are matched case-insensitively)", first)
			return
		}
		folded[strings.ToLower(k.Value)] = k.Line
		var ch string
		l.key = k
		before := len(l.errs)
		l.channel(&ch)(v, p)
		if ch == "" {
			if len(l.errs) == before {
				l.failf(v, p, "empty channel name")
			}
			return
		}
		if sc.Channels == nil {
			sc.Channels = map[string]string{}
		}
		sc.Channels[k.Value] = ch
	})
}

// finishSlack resolves the credential (file, systemd credential) and
// checks that the settings make one coherent mode.
func (l *loader) finishSlack(sc *SlackConfig, n *yaml.Node) {
	r := l.slackRaw
	if r == nil {
		r = &slackRaw{}
	}
	switch {
	case r.token.set:
		sc.CredentialSource = "slack.token"
	case r.webhook.set:
		sc.CredentialSource = "slack.webhook_url"
	}
	if sc.TokenFile != "" {
		if r.token.set {
			l.failf(r.tokenFileNode, "slack.token_file", "set together with slack.token (choose one)")
		} else if tok, err := readSecretFile(sc.TokenFile); err != nil {
			l.fail(r.tokenFileNode, "slack.token_file", err)
		} else {
			sc.Token = tok
			sc.CredentialSource = "slack.token_file " + sc.TokenFile
		}
	}
	if sc.Token != "" && sc.WebhookURL != "" {
		l.failf(r.webhook.node, "slack.webhook_url", "set together with a token (choose token mode or webhook mode)")
		return
	}
	if sc.Token == "" && sc.WebhookURL == "" && !l.failedUnder("slack.") {
		l.credentialsDir(sc, n)
	}
	if sc.WebhookURL != "" {
		// The URL is the credential: never quote it, not even when invalid.
		if u, err := url.Parse(sc.WebhookURL.Reveal()); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.failf(r.webhook.node, "slack.webhook_url", "not an http(s) URL (value not shown)")
		} else if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			l.failf(r.webhook.node, "slack.webhook_url", "plain http would send the webhook secret in clear; use https (http is accepted only for a loopback host; value not shown)")
		}
		for _, f := range []struct {
			node *yaml.Node
			key  string
			set  bool
		}{
			{r.channel, "slack.channel", sc.Channel != ""},
			{r.channels, "slack.channels", len(sc.Channels) > 0},
			{r.operator, "slack.operator_channel", sc.OperatorChannel != ""},
		} {
			if f.set {
				l.failf(f.node, f.key, "has no effect in webhook mode (the webhook decides the channel); remove it or use a token")
			}
		}
		return
	}
	if sc.Token == "" {
		return
	}
	if strings.ContainsAny(sc.Token.Reveal(), " \t\r\n") {
		l.failf(r.token.node, "slack.token", "contains white space (value not shown)")
	}
	if sc.Channel == "" && !l.failedAt("slack.channel") {
		l.failf(n, "slack.channel", "required in token mode (e.g. \"#sanctions-alerts\")")
	}
	if sc.OperatorChannel == "" {
		sc.OperatorChannel = sc.Channel
	}
}

// credentialsDir takes the token or webhook URL from systemd's
// LoadCredential=slack-token:… or slack-webhook-url:….
func (l *loader) credentialsDir(sc *SlackConfig, n *yaml.Node) {
	dir, ok := l.lookup("CREDENTIALS_DIRECTORY")
	hint := "no credential: set slack.token, slack.token_file or slack.webhook_url, or give systemd LoadCredential=slack-token or slack-webhook-url"
	if !ok || dir == "" {
		l.failf(n, "slack", "%s", hint)
		return
	}
	found := map[string]Secret{}
	for _, name := range []string{"slack-token", "slack-webhook-url"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		s, err := readSecretFile(p)
		if err != nil {
			l.fail(n, "slack", fmt.Errorf("$CREDENTIALS_DIRECTORY/%s: %w", name, err))
			return
		}
		found[name] = s
	}
	switch {
	case len(found) == 2:
		l.failf(n, "slack", "$CREDENTIALS_DIRECTORY has both slack-token and slack-webhook-url (choose one)")
	case found["slack-token"] != "":
		sc.Token = found["slack-token"]
		sc.CredentialSource = "$CREDENTIALS_DIRECTORY/slack-token"
	case found["slack-webhook-url"] != "":
		sc.WebhookURL = found["slack-webhook-url"]
		sc.CredentialSource = "$CREDENTIALS_DIRECTORY/slack-webhook-url"
	default:
		l.failf(n, "slack", "%s ($CREDENTIALS_DIRECTORY has neither)", hint)
	}
}

// readSecretFile reads a one-line credential. Errors name the file, never
// its content.
func readSecretFile(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return Secret(s), nil
}

// isLoopback says whether host names this machine: localhost,
// 127.0.0.0/8 or ::1. Only there may a credential travel over plain http
// (tests and local relays), because it never crosses a network.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
