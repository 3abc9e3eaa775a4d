package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tracker "github.com/cybersanctions/tracker"
)

// env is a fake environment, so tests can run in parallel.
func env(vars map[string]string) Option {
	return WithLookupEnv(func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	})
}

func parse(t testing.TB, yaml string, opts ...Option) *Config {
	t.Helper()
	cfg, err := Parse([]byte(yaml), "tracker.yaml", opts...)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

// errLines splits a joined error into its messages.
func errLines(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, errLines(e)...)
		}
		return out
	}
	return []string{err.Error()}
}

func TestParseEmptyIsDefault(t *testing.T) {
	for name, text := range map[string]string{
		"empty":         "",
		"comments only": "# nothing here\n",
		"null document": "~\n",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := parse(t, text)
			want := Default()
			ofsi := cfg.Lists["uk-ofsi-conlist"]
			if ofsi.Enabled {
				t.Errorf("import-only list enabled by default")
			}
			delete(cfg.Lists, "uk-ofsi-conlist")
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("Parse(%q) =\n%+v\nwant Default() =\n%+v", text, cfg, want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	cfg := Default()
	if got, want := cfg.EnabledLists(), []string{"eu-fsf", "ofac-sdn", "uk-sanctions-list"}; !reflect.DeepEqual(got, want) {
		t.Errorf("EnabledLists = %v, want %v", got, want)
	}
	tests := []struct {
		list    string
		enabled bool
		timeout time.Duration
	}{
		{"ofac-sdn", true, 2 * time.Minute},
		{"ofac-consolidated", false, 2 * time.Minute},
		{"eu-fsf", true, 10 * time.Minute},
		{"uk-sanctions-list", true, 2 * time.Minute},
		{"not-configured", false, 2 * time.Minute},
	}
	for _, tt := range tests {
		l := cfg.List(tt.list)
		if l.Name != tt.list || l.Enabled != tt.enabled || l.Timeout != tt.timeout || l.Retries != 3 ||
			l.MaxBytes != 512<<20 || l.Guards.MaxRemovedShare != 0.05 || l.Guards.MinEntities != 0 {
			t.Errorf("List(%q) = %+v", tt.list, l)
		}
	}
	if cfg.Slack != nil || cfg.ChannelFor("ofac-sdn", []string{"CYBER2"}) != "" {
		t.Errorf("default has Slack %+v", cfg.Slack)
	}
	if cfg.RawRetention != -1 {
		t.Errorf("raw_retention = %d, want -1: every raw file kept, as deltas", cfg.RawRetention)
	}
	if cfg.Schedule != "@every 1h" || cfg.Jitter != 30*time.Second || cfg.DB != "./tracker.db" || !cfg.ExpandEnv {
		t.Errorf("Default() = %+v", cfg)
	}
	for _, k := range []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended} {
		if !slices.Contains(cfg.Notify.Kinds, k) {
			t.Errorf("notify.kinds lacks %s by default", k)
		}
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "minimal slack",
			yaml: "slack:\n  token: xoxb-1\n  channel: \"#alerts\"\n",
			check: func(t *testing.T, c *Config) {
				if c.Slack.Token.Reveal() != "xoxb-1" || c.Slack.Channel != "#alerts" || c.Slack.OperatorChannel != "#alerts" || c.Slack.CredentialSource != "slack.token" {
					t.Errorf("Slack = %+v", *c.Slack)
				}
				if c.Slack.WebhookMode() {
					t.Error("webhook mode with a token")
				}
			},
		},
		{
			name: "one list switched, others keep defaults",
			yaml: "lists:\n  ofac-consolidated:\n    enabled: true\n  eu-fsf: {enabled: false}\n",
			check: func(t *testing.T, c *Config) {
				if got, want := c.EnabledLists(), []string{"ofac-consolidated", "ofac-sdn", "uk-sanctions-list"}; !reflect.DeepEqual(got, want) {
					t.Errorf("EnabledLists = %v, want %v", got, want)
				}
			},
		},
		{
			name: "every list field",
			yaml: `
schedule: "CRON_TZ=Europe/London 15 * * * *"
jitter: 0s
raw_retention: 30
lists:
  ofac-sdn:
    urls: [http://127.0.0.1:8080/SDN.XML, https://mirror.example/SDN.XML, file:///srv/mirror/SDN.XML]
    schedule: "@every 15m"
    timeout: 90s
    retries: 0
    max_bytes: 200MB
    regimes: [CYBER2, IRGC]
    guards: {min_entities: 5000, max_removed_share: 10%}
    fast_interval: 2m
  eu-fsf:
    max_bytes: 1073741824
    adaptive: false
    guards:
      max_removed_share: 0
`,
			check: func(t *testing.T, c *Config) {
				want := ListConfig{
					Name: "ofac-sdn", Enabled: true,
					URLs:     []string{"http://127.0.0.1:8080/SDN.XML", "https://mirror.example/SDN.XML", "file:///srv/mirror/SDN.XML"},
					Schedule: "@every 15m", Timeout: 90 * time.Second, Retries: 0, MaxBytes: 200_000_000,
					Regimes:  []string{"CYBER2", "IRGC"},
					Guards:   Guards{MinEntities: 5000, MaxRemovedShare: 0.10},
					Adaptive: true, FastInterval: 2 * time.Minute,
				}
				if got := c.List("ofac-sdn"); !reflect.DeepEqual(got, want) {
					t.Errorf("List(ofac-sdn) =\n%+v\nwant\n%+v", got, want)
				}
				eu := c.List("eu-fsf")
				if eu.MaxBytes != 1<<30 || eu.Guards.MaxRemovedShare != 0 || eu.Timeout != 10*time.Minute || eu.Adaptive || eu.FastInterval != 5*time.Minute {
					t.Errorf("List(eu-fsf) = %+v", eu)
				}
				if c.RawRetention != 30 {
					t.Errorf("raw_retention = %d, want 30", c.RawRetention)
				}
				if c.Jitter != 0 || c.Schedule != "CRON_TZ=Europe/London 15 * * * *" {
					t.Errorf("schedule %q jitter %v", c.Schedule, c.Jitter)
				}
			},
		},
		{
			name: "notify and log",
			yaml: "log: {format: JSON, level: debug}\nlisten: 127.0.0.1:9464\nnotify:\n  kinds: [added, added, removed]\n  max_age: 24h\n  failure_threshold: 1\n",
			check: func(t *testing.T, c *Config) {
				if c.Log != (LogConfig{Format: "json", Level: "debug"}) || c.Listen != "127.0.0.1:9464" {
					t.Errorf("log %+v listen %q", c.Log, c.Listen)
				}
				if !reflect.DeepEqual(c.Notify, NotifyConfig{Kinds: []tracker.ChangeKind{"added", "removed"}, MaxAge: 24 * time.Hour, FailureThreshold: 1}) {
					t.Errorf("Notify = %+v", c.Notify)
				}
				if slices.Contains(c.Notify.Kinds, tracker.Amended) {
					t.Error("amended announced though not listed")
				}
			},
		},
		{
			name: "webhook mode",
			yaml: "slack:\n  webhook_url: https://hooks.slack.com/services/T0/B0/XYZ\n",
			check: func(t *testing.T, c *Config) {
				if !c.Slack.WebhookMode() || c.ChannelFor("eu-fsf", nil) != "" || c.Slack.OperatorChannel != "" {
					t.Errorf("Slack = %+v", *c.Slack)
				}
			},
		},
		{
			name: "plain http only on loopback",
			yaml: "slack:\n  token: xoxb-1\n  channel: '#a'\n  api_url: http://[::1]:8080/api/\n",
			check: func(t *testing.T, c *Config) {
				if c.Slack.APIURL != "http://[::1]:8080/api/" {
					t.Errorf("APIURL = %q", c.Slack.APIURL)
				}
			},
		},
		{
			name: "plain http webhook on localhost",
			yaml: "slack:\n  webhook_url: http://localhost:9/hook\n",
			check: func(t *testing.T, c *Config) {
				if !c.Slack.WebhookMode() {
					t.Errorf("Slack = %+v", *c.Slack)
				}
			},
		},
		{
			name: "anchors and aliases",
			yaml: "lists:\n  ofac-sdn: &ofac {timeout: 5m, retries: 1}\n  ofac-consolidated: *ofac\n",
			check: func(t *testing.T, c *Config) {
				if l := c.List("ofac-consolidated"); l.Timeout != 5*time.Minute || l.Retries != 1 {
					t.Errorf("aliased list = %+v", l)
				}
			},
		},
		{
			name: "import-only list may be named while disabled",
			yaml: "lists:\n  uk-ofsi-conlist:\n    enabled: false\n    max_bytes: 64MiB\n",
			check: func(t *testing.T, c *Config) {
				if l := c.List("uk-ofsi-conlist"); l.Enabled || l.MaxBytes != 64<<20 {
					t.Errorf("List(uk-ofsi-conlist) = %+v", l)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t, parse(t, tt.yaml, env(tt.env)))
		})
	}
}

// TestExampleConfig keeps config.example.yaml loadable: it is what users
// copy.
func TestExampleConfig(t *testing.T) {
	cfg, err := Load("../../config.example.yaml", env(map[string]string{"SLACK_TOKEN": "xoxb-example"}))
	if err != nil {
		t.Fatalf("config.example.yaml:\n%s", strings.Join(errLines(err), "\n"))
	}
	if got, want := cfg.EnabledLists(), []string{"eu-fsf", "ofac-sdn", "uk-sanctions-list"}; !reflect.DeepEqual(got, want) {
		t.Errorf("EnabledLists = %v, want %v", got, want)
	}
	wantURLs := map[string]string{
		"ofac-sdn":          "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML",
		"ofac-consolidated": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONSOLIDATED.XML",
		"eu-fsf":            "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
		"uk-sanctions-list": "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
	}
	for list, u := range wantURLs {
		if got := cfg.List(list).URLs; !reflect.DeepEqual(got, []string{u}) {
			t.Errorf("%s urls = %v, want %s", list, got, u)
		}
	}
	if cfg.DB != "./tracker.db" {
		t.Errorf("db = %q: ${STATE_DIRECTORY:-.} should fall back to .", cfg.DB)
	}
	if cfg.Slack == nil || cfg.Slack.Token.Reveal() != "xoxb-example" || cfg.ChannelFor("eu-fsf", nil) != "#eu-sanctions" {
		t.Errorf("Slack = %+v", cfg.Slack)
	}
}

// TestParseErrors: each mistake is reported with file, line and key path.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string // every message, in order
	}{
		{"unknown top-level key", "db: x.db\nshedule: '@hourly'\n", nil,
			[]string{`config tracker.yaml line 2: unknown key "shedule" at top level (did you mean "schedule"?)`}},
		{"unknown list key", "lists:\n  ofac-sdn:\n    enabled: true\n    shedule: '@hourly'\n", nil,
			[]string{`config tracker.yaml line 4: unknown key "shedule" in lists.ofac-sdn (did you mean "schedule"?)`}},
		{"unknown key, no near miss", "notify:\n  webhook: x\n", nil,
			[]string{`config tracker.yaml line 2: unknown key "webhook" in notify`}},
		{"bad duration", "lists:\n  eu-fsf:\n    timeout: 2x\n", nil,
			[]string{`config tracker.yaml line 3: lists.eu-fsf.timeout: invalid duration "2x" (want e.g. 30s, 2m, 1h30m)`}},
		{"duration without unit", "jitter: 30\n", nil,
			[]string{`config tracker.yaml line 1: jitter: invalid duration "30" (want e.g. 30s, 2m, 1h30m)`}},
		{"fast_interval under the floor", "lists:\n  ofac-sdn:\n    fast_interval: 30s\n", nil,
			[]string{`config tracker.yaml line 3: lists.ofac-sdn.fast_interval: must be at least 1m0s (no publisher is asked more than once a minute), got 30s`}},
		{"adaptive not a bool", "lists:\n  ofac-sdn:\n    adaptive: sometimes\n", nil,
			[]string{`config tracker.yaml line 3: lists.ofac-sdn.adaptive: want true or false, got "sometimes"`}},
		{"zero timeout", "lists:\n  eu-fsf:\n    timeout: 0s\n", nil,
			[]string{`config tracker.yaml line 3: lists.eu-fsf.timeout: must be positive, got 0s`}},
		{"bad cron spec", "schedule: '61 * * * *'\n", nil,
			[]string{`config tracker.yaml line 1: schedule: invalid schedule "61 * * * *": end of range (61) above maximum (59): 61`}},
		{"bad per-list cron", "lists:\n  ofac-sdn:\n    schedule: '@evry 1h'\n", nil,
			[]string{`config tracker.yaml line 3: lists.ofac-sdn.schedule: invalid schedule "@evry 1h": unrecognized descriptor: @evry 1h`}},
		{"bad time zone", "schedule: 'CRON_TZ=Mars/Olympus 15 * * * *'\n", nil,
			[]string{`config tracker.yaml line 1: schedule: invalid schedule "CRON_TZ=Mars/Olympus 15 * * * *": provided bad location Mars/Olympus: unknown time zone Mars/Olympus`}},
		{"sub-second every", "schedule: '@every 10ms'\n", nil,
			[]string{`config tracker.yaml line 1: schedule: invalid schedule "@every 10ms": shorter than a second`}},
		{"bad size", "lists:\n  ofac-sdn:\n    max_bytes: 12 parsecs\n", nil,
			[]string{`config tracker.yaml line 3: lists.ofac-sdn.max_bytes: invalid size "12 parsecs" (want e.g. 200MB, 512MiB or a number of bytes)`}},
		{"negative size", "lists:\n  ofac-sdn:\n    max_bytes: -5\n", nil,
			[]string{`config tracker.yaml line 3: lists.ofac-sdn.max_bytes: invalid size "-5": must be positive`}},
		{"bad log level", "log:\n  format: text\n  level: verbose\n", nil,
			[]string{`config tracker.yaml line 3: log.level: want one of debug, info, warn, error, got "verbose"`}},
		{"bad log format", "log: {format: xml}\n", nil,
			[]string{`config tracker.yaml line 1: log.format: want one of text, json, got "xml"`}},
		{"share above 1", "lists:\n  uk-sanctions-list:\n    guards:\n      max_removed_share: 5\n", nil,
			[]string{`config tracker.yaml line 4: lists.uk-sanctions-list.guards.max_removed_share: want a share between 0 and 1 (or 0%..100%), got "5"`}},
		{"share negative", "lists:\n  uk-sanctions-list:\n    guards: {max_removed_share: -0.1}\n", nil,
			[]string{`config tracker.yaml line 3: lists.uk-sanctions-list.guards.max_removed_share: want a share between 0 and 1 (or 0%..100%), got "-0.1"`}},
		{"negative min_entities", "lists:\n  uk-sanctions-list:\n    guards: {min_entities: -1}\n", nil,
			[]string{`config tracker.yaml line 3: lists.uk-sanctions-list.guards.min_entities: must be at least 0, got -1`}},
		{"enabled import-only list", "lists:\n  uk-ofsi-conlist:\n    enabled: true\n", nil,
			[]string{"config tracker.yaml line 3: lists.uk-ofsi-conlist.enabled: uk-ofsi-conlist is import-only (for `tracker import`) and cannot be enabled"}},
		{"unknown list", "lists:\n  ofac-sdnn:\n    enabled: true\n", nil,
			[]string{`config tracker.yaml line 2: lists.ofac-sdnn: unknown list "ofac-sdnn" (known: eu-fsf, ofac-consolidated, ofac-sdn, uk-ofsi-conlist, uk-sanctions-list); did you mean "ofac-sdn"?`}},
		{"token and webhook", "slack:\n  token: xoxb-1\n  webhook_url: https://hooks.slack.com/services/T/B/C\n  channel: '#a'\n", nil,
			[]string{`config tracker.yaml line 3: slack.webhook_url: set together with a token (choose token mode or webhook mode)`}},
		{"token and token_file", "slack:\n  token: xoxb-1\n  token_file: /nonexistent\n  channel: '#a'\n", nil,
			[]string{`config tracker.yaml line 3: slack.token_file: set together with slack.token (choose one)`}},
		{"token mode without channel", "slack:\n  token: xoxb-1\n", nil,
			[]string{`config tracker.yaml line 2: slack.channel: required in token mode (e.g. "#sanctions-alerts")`}},
		{"unquoted channel", "slack:\n  token: xoxb-1\n  channel: #alerts\n", nil,
			[]string{`config tracker.yaml line 3: slack.channel: empty: an unquoted #alerts is a YAML comment; write "#alerts"`}},
		{"unquoted per-list channel", "slack:\n  token: xoxb-1\n  channel: '#a'\n  channels:\n    eu-fsf: #eu\n", nil,
			[]string{`config tracker.yaml line 5: slack.channels.eu-fsf: empty: an unquoted #eu is a YAML comment; write "#eu"`}},
		{"channels differing in case", "slack:\n  token: xoxb-1\n  channel: '#a'\n  channels:\n    CYBER: '#c'\n    cyber: '#d'\n", nil,
			[]string{`config tracker.yaml line 6: slack.channels.cyber: same key as the one at line 5 (keys are matched case-insensitively)`}},
		{"webhook with channel", "slack:\n  webhook_url: https://hooks.slack.com/services/T/B/C\n  channel: '#a'\n", nil,
			[]string{`config tracker.yaml line 3: slack.channel: has no effect in webhook mode (the webhook decides the channel); remove it or use a token`}},
		{"slack without credential", "slack:\n  channel: '#a'\n", nil,
			[]string{`config tracker.yaml line 2: slack: no credential: set slack.token, slack.token_file or slack.webhook_url, or give systemd LoadCredential=slack-token or slack-webhook-url`}},
		{"bad api_url", "slack:\n  token: xoxb-1\n  channel: '#a'\n  api_url: slack.local\n", nil,
			[]string{`config tracker.yaml line 4: slack.api_url: want an http(s) URL, got "slack.local"`}},
		{"api_url over plain http", "slack:\n  token: xoxb-1\n  channel: '#a'\n  api_url: http://slack.example/api/\n", nil,
			[]string{`config tracker.yaml line 4: slack.api_url: plain http would send the Slack token in clear; use https (http is accepted only for a loopback host)`}},
		{"api_url over http to a look-alike of localhost", "slack:\n  token: xoxb-1\n  channel: '#a'\n  api_url: http://127.0.0.1.nip.io/api/\n", nil,
			[]string{`config tracker.yaml line 4: slack.api_url: plain http would send the Slack token in clear; use https (http is accepted only for a loopback host)`}},
		{"webhook over plain http", "slack:\n  webhook_url: http://hooks.example/services/T/B/C\n", nil,
			[]string{`config tracker.yaml line 2: slack.webhook_url: plain http would send the webhook secret in clear; use https (http is accepted only for a loopback host; value not shown)`}},
		{"missing env var for secret", "slack:\n  token: ${SLACK_TOKEN}\n  channel: '#a'\n", nil,
			[]string{`config tracker.yaml line 2: slack.token: environment variable SLACK_TOKEN is not set (write $$ for a literal $, or set expand_env: false)`}},
		{"empty env var for secret", "slack:\n  token: ${SLACK_TOKEN}\n  channel: '#a'\n", map[string]string{"SLACK_TOKEN": " "},
			[]string{`config tracker.yaml line 2: slack.token: expands to an empty value`}},
		{"missing env var for db", "db: $STATE_DIRECTORY/tracker.db\n", nil,
			[]string{`config tracker.yaml line 1: db: environment variable STATE_DIRECTORY is not set (write $$ for a literal $, or set expand_env: false)`}},
		{"unterminated brace", "db: ${STATE_DIRECTORY/tracker.db\n", nil,
			[]string{`config tracker.yaml line 1: db: unterminated ${ (write $$ for a literal $)`}},
		{"bad kind", "notify:\n  kinds: [added, deleted]\n", nil,
			[]string{`config tracker.yaml line 2: notify.kinds[1]: want added, removed or amended, got "deleted"`}},
		{"no kinds", "notify:\n  kinds: []\n", nil,
			[]string{`config tracker.yaml line 2: notify.kinds: empty: nothing would be announced (want some of added, removed, amended)`}},
		{"zero failure threshold", "notify: {failure_threshold: 0}\n", nil,
			[]string{`config tracker.yaml line 1: notify.failure_threshold: must be at least 1, got 0`}},
		{"bad url", "lists:\n  eu-fsf:\n    urls:\n      - https://ok.example/x.xml\n      - ftp://example/x.xml\n", nil,
			[]string{`config tracker.yaml line 5: lists.eu-fsf.urls[1]: want an http(s) or file:// URL, got "ftp://example/x.xml"`}},
		{"urls not a list", "lists:\n  eu-fsf:\n    urls: https://ok.example/x.xml\n", nil,
			[]string{`config tracker.yaml line 3: lists.eu-fsf.urls: want a list, got a single value`}},
		{"bad listen", "listen: 9464\n", nil,
			[]string{`config tracker.yaml line 1: listen: want host:port (e.g. 127.0.0.1:9464), got "9464"`}},
		{"bad bool", "all_regimes: maybe\n", nil,
			[]string{`config tracker.yaml line 1: all_regimes: want true or false, got "maybe"`}},
		{"all_regimes with regimes", "all_regimes: true\nregimes: [CYBER2]\nlists:\n  eu-fsf: {regimes: [CYB]}\n", nil,
			[]string{
				`config tracker.yaml line 2: regimes: has no effect with all_regimes: true (set one or the other)`,
				`config tracker.yaml line 4: lists.eu-fsf.regimes: has no effect with all_regimes: true`,
			}},
		{"duplicate key", "jitter: 1s\njitter: 2s\n", nil,
			[]string{`config tracker.yaml line 2: jitter: duplicate key (first at line 1)`}},
		{"section of wrong shape", "lists: [ofac-sdn]\nlog: debug\n", nil,
			[]string{
				`config tracker.yaml line 1: lists: want a mapping of list names, got a list`,
				`config tracker.yaml line 2: log: want a mapping of keys, got a single value`,
			}},
		{"yaml syntax", "lists:\n  ofac-sdn: [\n", nil,
			[]string{`config tracker.yaml line 2: did not find expected node content`}},
		{"two documents", "db: a.db\n---\ndb: b.db\n", nil,
			[]string{`config tracker.yaml line 2: more than one YAML document (a second ---)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte(tt.yaml), "tracker.yaml", env(tt.env))
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if cfg != nil {
				t.Errorf("config returned with an error")
			}
			got := errLines(err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestParseErrorsTogether: `tracker config check` shows every mistake at
// once, in file order, each as an *Error a caller can inspect.
func TestParseErrorsTogether(t *testing.T) {
	text := `log:
  level: loud
schedule: "every hour"
lists:
  ofac-sdn:
    timeout: soon
    max_bytes: lots
  eu-fsx: {}
  uk-ofsi-conlist: {enabled: true}
notify:
  max_age: -1h
slack:
  token: xoxb-1
  webhook_url: https://hooks.slack.com/services/T/B/C
`
	_, err := Parse([]byte(text), "tracker.yaml")
	type where struct {
		line int
		key  string
	}
	want := []where{
		{2, "log.level"},
		{3, "schedule"},
		{6, "lists.ofac-sdn.timeout"},
		{7, "lists.ofac-sdn.max_bytes"},
		{8, "lists.eu-fsx"},
		{9, "lists.uk-ofsi-conlist.enabled"},
		{11, "notify.max_age"},
		{14, "slack.webhook_url"},
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not a joined error", err)
	}
	var got []where
	for _, e := range j.Unwrap() {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *config.Error", e)
		}
		if ce.File != "tracker.yaml" {
			t.Errorf("File = %q", ce.File)
		}
		got = append(got, where{ce.Line, ce.Key})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors at %v\nwant %v\n%v", got, want, err)
	}
}

func TestEnvExpansion(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		opts    []Option
		wantDB  string
		wantTok string
	}{
		{name: "braces and bare", yaml: "db: ${STATE_DIRECTORY}/$NAME.db\n",
			env: map[string]string{"STATE_DIRECTORY": "/var/lib/tracker", "NAME": "t"}, wantDB: "/var/lib/tracker/t.db"},
		{name: "default used when unset", yaml: "db: ${STATE_DIRECTORY:-/srv}/t.db\n", wantDB: "/srv/t.db"},
		{name: "default used when empty", yaml: "db: ${STATE_DIRECTORY:-/srv}/t.db\n",
			env: map[string]string{"STATE_DIRECTORY": ""}, wantDB: "/srv/t.db"},
		{name: "default ignored when set", yaml: "db: ${STATE_DIRECTORY:-/srv}/t.db\n",
			env: map[string]string{"STATE_DIRECTORY": "/x"}, wantDB: "/x/t.db"},
		{name: "double dollar is literal", yaml: "db: /tmp/$$HOME.db\n", wantDB: "/tmp/$HOME.db"},
		{name: "set but empty is allowed outside secrets", yaml: "db: ${P}t.db\n",
			env: map[string]string{"P": ""}, wantDB: "t.db"},
		{
			// The value is substituted once: a "$" in it is not expanded
			// again, and YAML syntax in it is just text.
			name: "secret value is not re-expanded or parsed",
			yaml: "slack:\n  token: ${SLACK_TOKEN}\n  channel: '#a'\n",
			env:  map[string]string{"SLACK_TOKEN": "xoxb-a$HOME:#b,'x'"}, wantDB: "./tracker.db", wantTok: "xoxb-a$HOME:#b,'x'",
		},
		{name: "opt-out key", yaml: "expand_env: false\ndb: $STATE_DIRECTORY/t.db\nslack:\n  token: xoxb-$ecret\n  channel: '#a'\n",
			wantDB: "$STATE_DIRECTORY/t.db", wantTok: "xoxb-$ecret"},
		{name: "opt-out key after the values it governs", yaml: "db: $STATE_DIRECTORY/t.db\nexpand_env: false\n",
			wantDB: "$STATE_DIRECTORY/t.db"},
		{name: "opt-out option", yaml: "db: ${X}.db\n", opts: []Option{NoExpandEnv()}, wantDB: "${X}.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := parse(t, tt.yaml, append([]Option{env(tt.env)}, tt.opts...)...)
			if cfg.DB != tt.wantDB {
				t.Errorf("db = %q, want %q", cfg.DB, tt.wantDB)
			}
			var tok string
			if cfg.Slack != nil {
				tok = cfg.Slack.Token.Reveal()
			}
			if tok != tt.wantTok {
				t.Errorf("token = %q, want %q", tok, tt.wantTok)
			}
		})
	}

	t.Run("typed values", func(t *testing.T) {
		cfg := parse(t, "jitter: $J\nlists:\n  ofac-sdn:\n    retries: ${R}\n    max_bytes: ${M}\n    enabled: ${E}\n",
			env(map[string]string{"J": "5s", "R": "7", "M": "1GiB", "E": "false"}))
		l := cfg.List("ofac-sdn")
		if cfg.Jitter != 5*time.Second || l.Retries != 7 || l.MaxBytes != 1<<30 || l.Enabled {
			t.Errorf("jitter %v, list %+v", cfg.Jitter, l)
		}
	})

	t.Run("process environment by default", func(t *testing.T) {
		t.Setenv("TRACKER_TEST_DB", "/from/env.db")
		path := filepath.Join(t.TempDir(), "tracker.yaml")
		if err := os.WriteFile(path, []byte("db: ${TRACKER_TEST_DB}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.DB != "/from/env.db" {
			t.Errorf("db = %q", cfg.DB)
		}
	})
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming %s", err, path)
	}
}

// TestCredentials: token_file and systemd's $CREDENTIALS_DIRECTORY.
func TestCredentials(t *testing.T) {
	const token = "xoxb-1111-2222-secretpart"
	const hook = "https://hooks.slack.com/services/T0/B0/secretpart"
	tests := []struct {
		name       string
		files      map[string]string // in the credentials directory (its path is $DIR below)
		yaml       string
		noCredDir  bool
		wantTok    string
		wantHook   string
		wantSource string
		wantErr    string // with $DIR replaced
	}{
		{name: "token_file, whitespace trimmed", files: map[string]string{"tok": "  " + token + "\n"},
			yaml: "slack:\n  token_file: $DIR/tok\n  channel: '#a'\n", noCredDir: true,
			wantTok: token, wantSource: "slack.token_file $DIR/tok"},
		{name: "token_file missing", yaml: "slack:\n  token_file: $DIR/absent\n  channel: '#a'\n",
			wantErr: "config tracker.yaml line 2: slack.token_file: open $DIR/absent: no such file or directory"},
		{name: "token_file empty", files: map[string]string{"tok": "\n\n"},
			yaml:    "slack:\n  token_file: $DIR/tok\n  channel: '#a'\n",
			wantErr: "config tracker.yaml line 2: slack.token_file: $DIR/tok is empty"},
		{name: "LoadCredential slack-token", files: map[string]string{"slack-token": token + "\n"},
			yaml: "slack:\n  channel: '#a'\n", wantTok: token, wantSource: "$CREDENTIALS_DIRECTORY/slack-token"},
		{name: "LoadCredential slack-webhook-url", files: map[string]string{"slack-webhook-url": hook},
			yaml: "slack:\n", wantHook: hook, wantSource: "$CREDENTIALS_DIRECTORY/slack-webhook-url"},
		{name: "token in file wins over LoadCredential", files: map[string]string{"slack-token": "xoxb-other"},
			yaml: "slack:\n  token: " + token + "\n  channel: '#a'\n", wantTok: token, wantSource: "slack.token"},
		{name: "LoadCredential both", files: map[string]string{"slack-token": token, "slack-webhook-url": hook},
			yaml:    "slack:\n  channel: '#a'\n",
			wantErr: "config tracker.yaml line 2: slack: $CREDENTIALS_DIRECTORY has both slack-token and slack-webhook-url (choose one)"},
		{name: "LoadCredential empty", files: map[string]string{"slack-token": " \n"},
			yaml:    "slack:\n  channel: '#a'\n",
			wantErr: "config tracker.yaml line 2: slack: $CREDENTIALS_DIRECTORY/slack-token: $DIR/slack-token is empty"},
		{name: "LoadCredential has neither", files: map[string]string{"other": "x"},
			yaml:    "slack:\n  channel: '#a'\n",
			wantErr: "config tracker.yaml line 2: slack: no credential: set slack.token, slack.token_file or slack.webhook_url, or give systemd LoadCredential=slack-token or slack-webhook-url ($CREDENTIALS_DIRECTORY has neither)"},
		{name: "no slack section ignores LoadCredential", files: map[string]string{"slack-token": token},
			yaml: "db: x.db\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			vars := map[string]string{"DIR": dir}
			if !tt.noCredDir {
				vars["CREDENTIALS_DIRECTORY"] = dir
			}
			cfg, err := Parse([]byte(tt.yaml), "tracker.yaml", env(vars))
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "$DIR", dir)
				if err == nil || err.Error() != want {
					t.Fatalf("error = %v\nwant    %s", err, want)
				}
				if strings.Contains(err.Error(), "secretpart") {
					t.Errorf("error shows the credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantTok == "" && tt.wantHook == "" {
				if cfg.Slack != nil {
					t.Errorf("Slack = %+v, want nil (stdout)", cfg.Slack)
				}
				return
			}
			s := cfg.Slack
			if s.Token.Reveal() != tt.wantTok || s.WebhookURL.Reveal() != tt.wantHook ||
				s.CredentialSource != strings.ReplaceAll(tt.wantSource, "$DIR", dir) {
				t.Errorf("token %q hook %q source %q", s.Token.Reveal(), s.WebhookURL.Reveal(), s.CredentialSource)
			}
		})
	}
}

func TestChannelFor(t *testing.T) {
	cfg := parse(t, `
slack:
  token: xoxb-1
  channel: "#default"
  channels:
    eu-fsf: "#eu"
    Cyber: "#uk-cyber"
    CYBER2: "#cyber2"
`)
	tests := []struct {
		list    string
		regimes []string
		want    string
	}{
		{"ofac-sdn", nil, "#default"},
		{"eu-fsf", nil, "#eu"},
		{"eu-fsf", []string{"CYB"}, "#eu"},
		{"ofac-sdn", []string{"SDGT", "CYBER2"}, "#cyber2"},
		{"eu-fsf", []string{"cyber2"}, "#cyber2"},
		{"uk-sanctions-list", []string{"CYBER"}, "#uk-cyber"},
		{"uk-sanctions-list", []string{"Russia"}, "#default"},
	}
	for _, tt := range tests {
		if got := cfg.ChannelFor(tt.list, tt.regimes); got != tt.want {
			t.Errorf("ChannelFor(%q, %q) = %q, want %q", tt.list, tt.regimes, got, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"536870912", 536870912, false},
		{"512MiB", 512 << 20, false},
		{"512mib", 512 << 20, false},
		{"200MB", 200_000_000, false},
		{"1.5 GiB", 3 << 29, false},
		{"10kB", 10_000, false},
		{"64KiB", 64 << 10, false},
		{"7B", 7, false},
		{"0", 0, true},
		{"0.5B", 0, true},
		{"MB", 0, true},
		{"", 0, true},
		{"12 parsecs", 0, true},
		{"-1MB", 0, true},
		{"NaN", 0, true},
		{"99999999TiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestExampleShowsDefaults: config.example.yaml says every value it shows
// is the default, so an operator who copies it changes nothing. Keys that
// are examples (the Slack section) are the only exceptions.
func TestExampleShowsDefaults(t *testing.T) {
	cfg, err := Load("../../config.example.yaml", env(map[string]string{"SLACK_TOKEN": "xoxb-example"}))
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	top := func(c *Config) []any {
		return []any{c.Log, c.Listen, c.Web, c.Schedule, c.Jitter, len(c.Regimes), c.AllRegimes, c.RawRetention, c.UserAgent, c.ExpandEnv, c.Notify}
	}
	if got, want := top(cfg), top(def); !reflect.DeepEqual(got, want) {
		t.Errorf("example top-level values %v, defaults %v", got, want)
	}
	for _, name := range sortedKeys(def.Lists) {
		got, want := cfg.List(name), def.List(name)
		got.URLs, want.URLs = nil, nil // the registry's URLs; TestExampleConfig checks them
		if !reflect.DeepEqual(got, want) {
			t.Errorf("example lists.%s = %+v\ndefault          = %+v", name, got, want)
		}
	}
}

func TestWebSection(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       WebConfig
		err        string
	}{
		{"none", "", WebConfig{}, ""},
		{"base url", "web:\n  base_url: https://tracker.example.org/\n", WebConfig{BaseURL: "https://tracker.example.org"}, ""},
		{"users file", "web:\n  users_file: /etc/tracker/web-users\n", WebConfig{UsersFile: "/etc/tracker/web-users"}, ""},
		{"proxy", "web:\n  proxy_header: X-Forwarded-User\n", WebConfig{ProxyHeader: "X-Forwarded-User"}, ""},
		{"not a url", "web:\n  base_url: tracker.example.org\n", WebConfig{}, `web.base_url: want an http(s) URL, got "tracker.example.org"`},
		{"both auths", "web:\n  users_file: f\n  proxy_header: X-User\n", WebConfig{}, "users_file and proxy_header: set one or the other"},
		{"unknown key", "web:\n  baseurl: x\n", WebConfig{}, `unknown key "baseurl" in web`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "tracker.yaml")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Web != tt.want {
				t.Errorf("web = %+v, want %+v", cfg.Web, tt.want)
			}
		})
	}
}
