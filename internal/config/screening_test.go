package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/screen"
)

const tokenSlack = "slack:\n  token: xoxb-1\n  channel: \"#alerts\"\n"

// TestScreeningSection: the section's values, its defaults, the channel a
// hit goes to, and every mistake with its line and key.
func TestScreeningSection(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       ScreeningConfig
		channel    string
		errs       []string // every message
	}{
		{name: "none", want: ScreeningConfig{Threshold: screen.DefaultThreshold}},
		{name: "file only, default channel", yaml: tokenSlack + "screening:\n  file: parties.csv\n",
			want: ScreeningConfig{File: "parties.csv", Threshold: screen.DefaultThreshold}, channel: "#alerts"},
		{name: "everything", yaml: tokenSlack + "screening:\n  file: /etc/tracker/parties.csv\n  threshold: 0.9\n" +
			"  regimes: [CYBER2, Cyber]\n  lists: [ofac-sdn, eu-fsf]\n  channel: \"#kyc\"\n  mention: \"<!subteam^S0123ABC> <@U0456DEF>\"\n",
			want: ScreeningConfig{File: "/etc/tracker/parties.csv", Threshold: 0.9, Regimes: []string{"CYBER2", "Cyber"},
				Lists: []string{"ofac-sdn", "eu-fsf"}, Channel: "#kyc", Mention: "<!subteam^S0123ABC> <@U0456DEF>"}, channel: "#kyc"},
		{name: "stdout: no channel", yaml: "screening:\n  file: p.csv\n  mention: <!here>\n",
			want: ScreeningConfig{File: "p.csv", Threshold: screen.DefaultThreshold, Mention: "<!here>"}},
		{name: "threshold out of range", yaml: "screening:\n  file: p.csv\n  threshold: 1.5\n",
			errs: []string{`config tracker.yaml line 3: screening.threshold: want a score above 0 and at most 1 (e.g. 0.85), got "1.5"`}},
		{name: "threshold zero", yaml: "screening:\n  file: p.csv\n  threshold: 0\n",
			errs: []string{`config tracker.yaml line 3: screening.threshold: want a score above 0 and at most 1 (e.g. 0.85), got "0"`}},
		{name: "unknown list", yaml: "screening:\n  file: p.csv\n  lists: [ofac-sdm]\n",
			errs: []string{`line 3: screening.lists[0]: unknown list "ofac-sdm"`}},
		{name: "mention with a link", yaml: "screening:\n  file: p.csv\n  mention: \"<!here> <https://evil.example|click>\"\n",
			errs: []string{`config tracker.yaml line 3: screening.mention: want Slack mentions`}},
		{name: "mention as text", yaml: "screening:\n  file: p.csv\n  mention: \"@here\"\n",
			errs: []string{`line 3: screening.mention: want Slack mentions`}},
		{name: "mention with a newline", yaml: "screening:\n  file: p.csv\n  mention: \"<!here>\\n*urgent*\"\n",
			errs: []string{`line 3: screening.mention: want Slack mentions`}},
		{name: "unquoted channel", yaml: tokenSlack + "screening:\n  file: p.csv\n  channel: #kyc\n",
			errs: []string{`line 6: screening.channel: empty: an unquoted #kyc is a YAML comment`}},
		{name: "no file", yaml: "screening:\n  threshold: 0.9\n",
			errs: []string{`config tracker.yaml line 2: screening.file: required`}},
		{name: "channel in webhook mode", yaml: "slack:\n  webhook_url: https://hooks.slack.com/services/T/B/x\nscreening:\n  file: p.csv\n  channel: \"#kyc\"\n",
			errs: []string{`line 4: screening.channel: has no effect in webhook mode`}},
		{name: "unknown key", yaml: "screening:\n  file: p.csv\n  treshold: 0.9\n",
			errs: []string{`config tracker.yaml line 3: unknown key "treshold" in screening (did you mean "threshold"?)`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "tracker.yaml")
			if len(tt.errs) > 0 {
				got := errLines(err)
				if len(got) != len(tt.errs) {
					t.Fatalf("errors %q, want %d", got, len(tt.errs))
				}
				for i, w := range tt.errs {
					if !strings.Contains(got[i], w) {
						t.Errorf("error %d = %q, want it to contain %q", i, got[i], w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Screening, tt.want) {
				t.Errorf("screening = %+v, want %+v", cfg.Screening, tt.want)
			}
			if got := cfg.ScreeningChannel(); got != tt.channel {
				t.Errorf("channel = %q, want %q", got, tt.channel)
			}
		})
	}
}
