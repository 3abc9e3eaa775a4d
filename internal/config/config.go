// Package config reads the tracker's YAML configuration.
//
// The order is litestream's: Default(), then the YAML on top, then $VAR
// expansion. Expansion happens per scalar value of the parsed YAML, before
// the value is typed: an environment value can never add YAML structure
// (a ":" or "#" in a token stays part of the token), a value is expanded
// exactly once (a "$" inside $SLACK_TOKEN is kept as is), and a duration
// or a number may come from the environment. "$$" is a literal "$";
// "${VAR:-default}" gives a default; a variable that is not set is an
// error, so a missing secret never becomes an empty token. `expand_env:
// false` at the top of the file, or the NoExpandEnv option, turns
// expansion off.
//
// Every mistake is reported, not just the first, each as an *Error naming
// the file, the line and the key path; Load returns them errors.Join-ed.
package config

import (
	"slices"
	"strings"
	"time"

	tracker "github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/screen"
)

// Config is the whole configuration, with defaults applied.
type Config struct {
	// DB is the SQLite database path; a relative path is relative to the
	// working directory.
	DB     string    `json:"db"`
	Log    LogConfig `json:"log"`
	Listen string    `json:"listen"` // host:port of /healthz and /metrics; "" = off
	// Schedule is the robfig/cron standard spec of every list without a
	// schedule of its own.
	Schedule string        `json:"schedule"`
	Jitter   time.Duration `json:"jitter"`
	// Regimes, when set, replaces every list's cyber regimes as the alert
	// filter (a list's own Regimes still win).
	Regimes    []string `json:"regimes,omitempty"`
	AllRegimes bool     `json:"all_regimes"`
	// RawRetention is how many of each list's newest snapshots keep their
	// raw published files (compressed, for audit and export-raw); older
	// ones keep only name, size and sha256, unless a kept file is stored
	// as a delta of theirs. -1 (the default) keeps all, 0 none.
	// Quarantined snapshots always keep theirs until accepted.
	RawRetention int `json:"raw_retention"`
	// UserAgent is sent with every request to a publisher; a list may
	// override it. Default: tracker.UserAgent, which passes OFAC's rule.
	UserAgent string `json:"user_agent"`
	ExpandEnv bool   `json:"expand_env"`
	// Lists holds every known list, enabled or not, defaults applied.
	Lists  map[string]ListConfig `json:"lists"`
	Notify NotifyConfig          `json:"notify"`
	// Slack is nil when the file has no slack section: alerts go to stdout.
	Slack *SlackConfig `json:"slack,omitempty"`
	// Web is the read-only web view (`tracker serve`, and the daemon on
	// listen).
	Web WebConfig `json:"web"`
	// Screening matches every new or amended designation against the
	// team's counterparties (issue 18); off without a file.
	Screening ScreeningConfig `json:"screening"`
}

// ScreeningConfig configures screening of every stored change.
type ScreeningConfig struct {
	// File is the counterparty file (CSV, see internal/screen); "" turns
	// screening off. A relative path is relative to the working directory.
	File string `json:"file,omitempty"`
	// Threshold is the lowest score raised, 0 < t <= 1.
	Threshold float64 `json:"threshold"`
	// Regimes restricts screening to designations under these regimes
	// (matched case-insensitively); empty: every regime.
	Regimes []string `json:"regimes,omitempty"`
	// Lists restricts screening to these lists; empty: every tracked list.
	Lists []string `json:"lists,omitempty"`
	// Channel is the Slack channel of hits; "" the alert channel
	// (slack.channel). Use ScreeningChannel.
	Channel string `json:"channel,omitempty"`
	// Mention is put before every hit as written (validated: only Slack's
	// <!here>, <!channel>, <!everyone>, <@U…> and <!subteam^S…>).
	Mention string `json:"mention,omitempty"`
}

// Enabled reports whether screening is on.
func (s ScreeningConfig) Enabled() bool { return s.File != "" }

// ScreeningChannel returns the Slack channel of screening hits: its own,
// else the default alert channel; "" without Slack or in webhook mode,
// where the webhook decides.
func (c *Config) ScreeningChannel() string {
	s := c.Slack
	if s == nil || s.WebhookMode() {
		return ""
	}
	if c.Screening.Channel != "" {
		return c.Screening.Channel
	}
	return s.Channel
}

// WebConfig configures the web view.
type WebConfig struct {
	// BaseURL is where people reach the pages ("https://tracker.example.org");
	// when set, alerts link each designation and the snapshot diff there.
	BaseURL string `json:"base_url,omitempty"`
	// UsersFile holds "user:password" lines for HTTP basic auth; "" with
	// $CREDENTIALS_DIRECTORY/web-users present (a systemd credential)
	// uses that.
	UsersFile string `json:"users_file,omitempty"`
	// ProxyHeader names the header a trusted reverse proxy sets to the
	// user it authenticated (X-Forwarded-User); requests without it are
	// refused. Exclusive with UsersFile.
	ProxyHeader string `json:"proxy_header,omitempty"`
}

// LogConfig selects slog's handler and level.
type LogConfig struct {
	Format string `json:"format"` // text | json
	Level  string `json:"level"`  // debug | info | warn | error
}

// ListConfig is one list's settings.
type ListConfig struct {
	Name    string   `json:"name"`
	Enabled bool     `json:"enabled"`
	URLs    []string `json:"urls,omitempty"` // empty: the list's official URLs
	// Schedule is "" when the list follows the global schedule.
	Schedule string        `json:"schedule,omitempty"`
	Timeout  time.Duration `json:"timeout"` // per download attempt
	Retries  int           `json:"retries"`
	MaxBytes int64         `json:"max_bytes"`
	Regimes  []string      `json:"regimes,omitempty"` // empty: the global or the list's cyber regimes
	Guards   Guards        `json:"guards"`
	// UserAgent overrides the global user_agent for this list; "" = global.
	UserAgent string `json:"user_agent,omitempty"`
	// Adaptive: the list is checked every FastInterval while its server
	// answers conditional requests with 304 (adaptive polling); false
	// keeps it on its schedule.
	Adaptive     bool          `json:"adaptive"`
	FastInterval time.Duration `json:"fast_interval"`
}

// Guards quarantine a snapshot that looks like a broken publication rather
// than real change, so it is not announced as mass delistings. Each list's
// defaults are in its registry entry.
type Guards = lists.Guards

// NotifyConfig says what is announced and when to give up.
type NotifyConfig struct {
	Kinds []tracker.ChangeKind `json:"kinds"`
	// MaxAge: a pending delivery older than this is dropped, so a notifier
	// added later does not replay the whole history.
	MaxAge time.Duration `json:"max_age"`
	// FailureThreshold: consecutive failures of a list before operators
	// are told.
	FailureThreshold int `json:"failure_threshold"`
}

// SlackConfig is the Slack notifier. Exactly one of Token and WebhookURL
// is set after Load.
type SlackConfig struct {
	Token      Secret `json:"token,omitempty"`
	TokenFile  string `json:"token_file,omitempty"`
	WebhookURL Secret `json:"webhook_url,omitempty"`
	// CredentialSource says where the token or webhook URL came from
	// ("slack.token", "slack.token_file /run/…", "$CREDENTIALS_DIRECTORY/slack-token"),
	// for `tracker config check`; never the value.
	CredentialSource string `json:"credential_source"`
	Channel          string `json:"channel,omitempty"`
	// Channels overrides Channel per list name or per regime name.
	Channels map[string]string `json:"channels,omitempty"`
	// OperatorChannel receives failure and quarantine notices; Load sets
	// it to Channel when the file does not.
	OperatorChannel string `json:"operator_channel,omitempty"`
	APIURL          string `json:"api_url,omitempty"` // "" = Slack's
}

// WebhookMode reports whether alerts go to an incoming webhook rather than
// through chat.postMessage with a bot token.
func (s *SlackConfig) WebhookMode() bool { return s.WebhookURL != "" }

// Defaults that are not per list; each list's own defaults (enabled,
// URLs, schedule, timeout, retries, size cap, guards) are in its entry of
// the list registry (internal/lists).
const (
	DefaultDB               = "./tracker.db"
	DefaultSchedule         = "@every 1h"
	DefaultJitter           = 30 * time.Second
	DefaultMaxAge           = 72 * time.Hour
	DefaultFailureThreshold = 3
	// DefaultRawRetention keeps every raw file: stored as zstd deltas of
	// the version before, the whole 308-version OFAC history takes ~2.6 MB,
	// a third of one gzip copy per 30 versions.
	DefaultRawRetention = -1
	// MinFastInterval is the shortest lists.NAME.fast_interval: the
	// daemon's floor of one request per list per minute.
	MinFastInterval = time.Minute
)

// Default returns the configuration used without a file: every list the
// registry follows by default enabled, the others known but off, stdout
// alerts.
func Default() *Config {
	c := &Config{
		DB:           DefaultDB,
		Log:          LogConfig{Format: "text", Level: "info"},
		Schedule:     DefaultSchedule,
		Jitter:       DefaultJitter,
		ExpandEnv:    true,
		RawRetention: DefaultRawRetention,
		UserAgent:    tracker.UserAgent,
		Lists:        map[string]ListConfig{},
		Screening:    ScreeningConfig{Threshold: screen.DefaultThreshold},
		Notify: NotifyConfig{
			Kinds:            []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended},
			MaxAge:           DefaultMaxAge,
			FailureThreshold: DefaultFailureThreshold,
		},
	}
	for _, l := range lists.All() {
		if !l.ImportOnly {
			c.Lists[l.Name] = defaultList(l)
		}
	}
	return c
}

// defaultList is a list's settings as its registry entry gives them.
func defaultList(l lists.List) ListConfig {
	return ListConfig{
		Name:     l.Name,
		Enabled:  l.Enabled && !l.ImportOnly,
		Schedule: l.Schedule,
		Timeout:  l.Timeout,
		Retries:  l.Retries,
		MaxBytes: l.MaxBytes,
		Guards:   l.Guards,
		// Every list polls adaptively by default: fast only where its
		// server proves it cheap, which costs a publisher without
		// validators nothing.
		Adaptive:     true,
		FastInterval: l.Polling.FastEvery(),
	}
}

// UserAgentFor returns the User-Agent of a list's requests.
func (c *Config) UserAgentFor(name string) string {
	if ua := c.List(name).UserAgent; ua != "" {
		return ua
	}
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return tracker.UserAgent
}

// List returns a list's settings, defaults applied; a list the
// configuration does not hold gets the defaults, disabled.
func (c *Config) List(name string) ListConfig {
	if l, ok := c.Lists[name]; ok {
		return l
	}
	entry, err := lists.Lookup(name)
	if err != nil {
		entry = lists.Standard(name)
	}
	l := defaultList(entry)
	l.Enabled = false
	return l
}

// EnabledLists returns the names of the enabled lists, sorted.
func (c *Config) EnabledLists() []string {
	var out []string
	for name, l := range c.Lists {
		if l.Enabled {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ChannelFor returns the Slack channel of an alert about list whose entity
// has the given regimes: the first regime with a channel of its own
// (regimes are matched case-insensitively, like the alert filter), else the
// list's channel, else the default channel. A regime wins over the list
// because it is the narrower audience ("CYBER2 goes to the cyber desk,
// whatever the list"). It returns "" without Slack or in webhook mode,
// where the webhook decides.
func (c *Config) ChannelFor(list string, regimes []string) string {
	s := c.Slack
	if s == nil || s.WebhookMode() {
		return ""
	}
	for _, r := range regimes {
		for k, ch := range s.Channels {
			if strings.EqualFold(k, r) {
				return ch
			}
		}
	}
	if ch, ok := s.Channels[list]; ok {
		return ch
	}
	return s.Channel
}
