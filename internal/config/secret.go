package config

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret shows everywhere except Reveal.
const redacted = "[REDACTED]"

// Secret is a credential (Slack token, webhook URL). Every way of printing,
// logging or marshalling it shows "[REDACTED]", so a Config can be dumped
// with %+v, json or slog without leaking; only Reveal gives the value, and
// the one place that calls it is the place that sends it.
//
// An empty Secret prints as "" so that "not set" stays visible.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) show() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String implements fmt.Stringer.
func (s Secret) String() string { return s.show() }

// GoString implements fmt.GoStringer (%#v).
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.show()) }

// Format covers every verb (%x, %d, %q …), which String alone does not:
// fmt would otherwise print a string type's bytes for %x.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.show())
	case 'v':
		if f.Flag('#') {
			f.Write([]byte(s.GoString()))
			return
		}
		f.Write([]byte(s.show()))
	default:
		f.Write([]byte(s.show()))
	}
}

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.show()), nil }

// MarshalText implements encoding.TextMarshaler, for encoders that look
// for it rather than MarshalJSON (map keys, XML, TOML, …).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.show()), nil }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.show(), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.show()) }
