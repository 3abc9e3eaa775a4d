// Package redact keeps secrets out of logs, errors, metrics, the database
// and pages: URL hides the credentials a URL may carry, and a Scrubber
// removes known secret values (a Slack token, a webhook URL, a URL's
// token) from any text, such as an error that quotes its request. It is
// the one scrubber of the tracker: the downloader, the notifiers and the
// dispatcher all use it.
package redact

import "strings"

// Mark replaces a secret in text.
const Mark = "[REDACTED]"

// minLen: values shorter than this are not scrubbed: scrubbing them would
// mangle messages and they protect nothing.
const minLen = 4

// Scrubber removes known secret values from text. A nil Scrubber removes
// nothing.
type Scrubber struct{ secrets []string }

// New returns a Scrubber of secrets; empty and very short values are
// ignored.
func New(secrets ...string) *Scrubber {
	s := &Scrubber{}
	for _, v := range secrets {
		if len(v) >= minLen {
			s.secrets = append(s.secrets, v)
		}
	}
	return s
}

// String returns text with every secret replaced by Mark.
func (s *Scrubber) String(text string) string {
	if s == nil {
		return text
	}
	for _, v := range s.secrets {
		text = strings.ReplaceAll(text, v, Mark)
	}
	return text
}

// Reveals reports whether text holds a secret.
func (s *Scrubber) Reveals(text string) bool { return s.String(text) != text }
