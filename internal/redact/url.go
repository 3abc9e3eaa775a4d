package redact

import (
	"net/url"
	"strings"
)

// URL returns raw fit for logs, errors and storage: without userinfo
// or fragment, with the values of secret-looking query parameters (token,
// key, secret, signature, password, auth, credential, session…) replaced by
// REDACTED, and with a Slack webhook's path hidden. Parameter order and
// every other byte are kept. A plain path comes back unchanged.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactUnparsable(raw)
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" && !isSlackWebhook(u) {
		return raw
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if isSlackWebhook(u) {
		u.Path, u.RawPath = "/services/REDACTED", ""
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, v, _ := strings.Cut(p, "=")
			if v != "" && secretKey(k) {
				parts[i] = k + "=REDACTED"
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// redactUnparsable keeps scheme, host and path of a URL url.Parse refuses.
func redactUnparsable(raw string) string {
	s, hadQuery := raw, false
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s, hadQuery = s[:i], true
	}
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		hostEnd := strings.IndexByte(rest, '/')
		if hostEnd < 0 {
			hostEnd = len(rest)
		}
		if at := strings.LastIndexByte(rest[:hostEnd], '@'); at >= 0 {
			s = s[:i+3] + rest[at+1:]
		}
	}
	if hadQuery {
		s += "?REDACTED"
	}
	return s
}

func isSlackWebhook(u *url.URL) bool {
	return strings.EqualFold(u.Hostname(), "hooks.slack.com") && strings.HasPrefix(u.Path, "/services/")
}

func secretKey(k string) bool {
	if uk, err := url.QueryUnescape(k); err == nil {
		k = uk
	}
	k = strings.ToLower(k)
	for _, s := range []string{"token", "key", "secret", "sig", "pass", "pwd", "auth", "credential", "session"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// ForURL is a Scrubber of what URL hides, in raw and encoded forms, for
// messages that may quote the URL whole (a client error does).
func ForURL(raw string) *Scrubber { return New(urlSecrets(raw)...) }

// urlSecrets lists what URL hides, in raw and decoded form.
func urlSecrets(raw string) []string {
	var out []string
	add := func(s string) {
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if len(v) >= 4 {
				out = append(out, v)
			}
		}
		if dec, err := url.QueryUnescape(s); err == nil && len(dec) >= 4 {
			out = append(out, dec)
		}
	}
	query := ""
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			add(u.User.Username())
			if p, ok := u.User.Password(); ok {
				add(p)
			}
		}
		if isSlackWebhook(u) {
			add(strings.TrimPrefix(u.Path, "/services/"))
		}
		query = u.RawQuery
		for _, p := range strings.Split(query, "&") {
			if k, v, _ := strings.Cut(p, "="); v != "" && secretKey(k) {
				add(v)
			}
		}
		return out
	}
	// Unparsable: treat all userinfo and every query value as secret.
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if end := strings.IndexAny(rest, "/?#"); end >= 0 {
			rest = rest[:end]
		}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			user, pass, _ := strings.Cut(rest[:at], ":")
			add(user)
			add(pass)
		}
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		query, _, _ = strings.Cut(raw[i+1:], "#")
		for _, p := range strings.Split(query, "&") {
			if _, v, _ := strings.Cut(p, "="); v != "" {
				add(v)
			}
		}
	}
	return out
}
