package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The secrets share a marker so one check covers every rendering.
const (
	marker      = "s3cr3tpart"
	secretToken = "xoxb-1234-" + marker
	secretHook  = "https://hooks.slack.com/services/T0/B0/" + marker
)

// TestSecretRedaction renders a loaded Config, its Slack section and a bare
// Secret every way a log line or a debug dump might, in token and webhook
// mode.
func TestSecretRedaction(t *testing.T) {
	configs := map[string]*Config{
		"token":   parse(t, "slack:\n  token: ${T}\n  channel: '#a'\n", env(map[string]string{"T": secretToken})),
		"webhook": parse(t, "slack:\n  webhook_url: ${H}\n", env(map[string]string{"H": secretHook})),
	}
	for mode, cfg := range configs {
		secret := cfg.Slack.Token
		if mode == "webhook" {
			secret = cfg.Slack.WebhookURL
		}
		if !strings.Contains(secret.Reveal(), marker) {
			t.Fatalf("%s: Reveal() = %q, want the secret", mode, secret.Reveal())
		}
		renderings := map[string]func() (string, error){
			"secret %v":   sprint("%v", secret),
			"secret %s":   sprint("%s", secret),
			"secret %q":   sprint("%q", secret),
			"secret %x":   sprint("%x", secret),
			"secret %X":   sprint("%X", secret),
			"secret %d":   sprint("%d", secret),
			"secret %#v":  sprint("%#v", secret),
			"secret %10s": sprint("%10s", secret),
			"[]Secret %v": sprint("%v", []Secret{secret}),
			"map %+v":     sprint("%+v", map[string]Secret{"k": secret}),
			"String()":    func() (string, error) { return secret.String(), nil },
			"Sprint":      func() (string, error) { return fmt.Sprint(secret), nil },
			"config %v":   sprint("%v", cfg),
			"config %+v":  sprint("%+v", *cfg),
			"config %#v":  sprint("%#v", *cfg),
			"slack %+v":   sprint("%+v", *cfg.Slack),
			"slack %#v":   sprint("%#v", *cfg.Slack),
			"config json": func() (string, error) {
				b, err := json.Marshal(cfg)
				return string(b), err
			},
			"secret json": func() (string, error) {
				b, err := json.Marshal(map[string]any{"s": secret})
				return string(b), err
			},
			"config yaml": func() (string, error) {
				b, err := yaml.Marshal(cfg)
				return string(b), err
			},
			"secret text": func() (string, error) {
				b, err := secret.MarshalText()
				return string(b), err
			},
			"slog text": logWith(func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) }, secret, cfg),
			"slog json": logWith(func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) }, secret, cfg),
		}
		for name, render := range renderings {
			out, err := render()
			if err != nil {
				t.Errorf("%s %s: %v", mode, name, err)
				continue
			}
			if strings.Contains(out, marker) {
				t.Errorf("%s %s leaks the secret: %s", mode, name, out)
			}
			// fmt shows a nested pointer (Config.Slack) as an address.
			pointerOnly := strings.HasPrefix(name, "config %")
			if !strings.Contains(out, redacted) && !pointerOnly {
				t.Errorf("%s %s does not say %s: %s", mode, name, redacted, out)
			}
		}
	}
}

func sprint(format string, v any) func() (string, error) {
	return func() (string, error) { return fmt.Sprintf(format, v), nil }
}

func logWith(h func(*bytes.Buffer) slog.Handler, s Secret, cfg *Config) func() (string, error) {
	return func() (string, error) {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("loaded", "token", s, "config", cfg, "slack", cfg.Slack, slog.Group("g", "s", s))
		return buf.String(), nil
	}
}

// TestSecretErrorsHideValue: errors about a secret describe it without
// quoting it.
func TestSecretErrorsHideValue(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		vars map[string]string
		want string
	}{
		{"webhook not a URL", "slack:\n  webhook_url: ${H}\n", map[string]string{"H": "hooks.slack.com/" + marker},
			"config tracker.yaml line 2: slack.webhook_url: not an http(s) URL (value not shown)"},
		{"webhook unparseable", "slack:\n  webhook_url: ${H}\n", map[string]string{"H": "https://[::1" + marker},
			"config tracker.yaml line 2: slack.webhook_url: not an http(s) URL (value not shown)"},
		{"token with a space", "slack:\n  token: ${T}\n  channel: '#a'\n", map[string]string{"T": "xoxb-1 " + marker},
			"config tracker.yaml line 2: slack.token: contains white space (value not shown)"},
		{"token literal in file and webhook", "slack:\n  token: xoxb-" + marker + "\n  webhook_url: https://h.example/" + marker + "\n", nil,
			"config tracker.yaml line 3: slack.webhook_url: set together with a token (choose token mode or webhook mode)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "tracker.yaml", env(tt.vars))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v\nwant    %s", err, tt.want)
			}
		})
	}
}

func TestSecretEmptyShowsEmpty(t *testing.T) {
	var s Secret
	if got := fmt.Sprintf("%v|%s|%q", s, s, s); got != `||""` {
		t.Errorf("empty Secret renders %q", got)
	}
}
