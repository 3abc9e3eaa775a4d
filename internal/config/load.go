package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	tracker "github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
)

// Error is one mistake in a configuration file. Its message names the
// file, the line and the key path; it never contains a secret's value.
type Error struct {
	File string
	Line int    // 0 when no line applies
	Key  string // dotted path: "lists.ofac-sdn.timeout"
	Err  error
}

func (e *Error) Error() string {
	where := "config " + e.File
	if e.Line > 0 {
		where += " line " + strconv.Itoa(e.Line)
	}
	var uk *unknownKeyError
	if errors.As(e.Err, &uk) || e.Key == "" {
		return where + ": " + e.Err.Error()
	}
	return where + ": " + e.Key + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// unknownKeyError reads `unknown key "shedule" in lists.ofac-sdn`: the
// parent path says where, which the bad key's own path would not.
type unknownKeyError struct {
	key, parent, suggestion string
}

func (e *unknownKeyError) Error() string {
	msg := fmt.Sprintf("unknown key %q", e.key)
	if e.parent == "" {
		msg += " at top level"
	} else {
		msg += " in " + e.parent
	}
	if e.suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.suggestion)
	}
	return msg
}

// Option changes how Load and Parse read a file.
type Option func(*loader)

// NoExpandEnv turns off $VAR expansion, as `expand_env: false` does.
func NoExpandEnv() Option { return func(l *loader) { l.expand = false } }

// WithLookupEnv replaces os.LookupEnv for $VAR expansion and for
// $CREDENTIALS_DIRECTORY.
func WithLookupEnv(f func(string) (string, bool)) Option {
	return func(l *loader) { l.lookup = f }
}

// Load reads the configuration file at path. Every list of the registry
// (internal/lists) may be configured; an import-only one never enabled;
// any other list name is an error.
func Load(path string, opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path, opts...)
}

// Parse reads a configuration from data; filename is used in errors.
func Parse(data []byte, filename string, opts ...Option) (*Config, error) {
	l := &loader{file: filename, known: map[string]bool{}, lookup: os.LookupEnv, expand: true}
	for _, o := range opts {
		o(l)
	}
	cfg := Default()
	for _, entry := range lists.All() {
		l.known[entry.Name] = entry.ImportOnly
		cfg.Lists[entry.Name] = defaultList(entry)
	}

	root, err := l.document(data)
	if err != nil {
		return nil, err
	}
	if root != nil {
		l.top(cfg, root)
	}
	cfg.ExpandEnv = l.expand
	if len(l.errs) == 0 {
		return cfg, nil
	}
	slices.SortStableFunc(l.errs, func(a, b *Error) int { return a.Line - b.Line })
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e
	}
	return nil, errors.Join(errs...)
}

type loader struct {
	file   string
	known  map[string]bool
	lookup func(string) (string, bool)
	expand bool
	errs   []*Error

	// Where things were written, for checks that span keys.
	listRegimes map[string]*yaml.Node
	slackRaw    *slackRaw
	// key is the key whose value is being read: yaml.v3 hangs the comment
	// of `channel: #alerts` on the key, not on the null value.
	key *yaml.Node
}

func (l *loader) fail(n *yaml.Node, key string, err error) {
	line := 0
	if n != nil {
		line = n.Line
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Key: key, Err: err})
}

func (l *loader) failf(n *yaml.Node, key, format string, args ...any) {
	l.fail(n, key, fmt.Errorf(format, args...))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data into the root mapping, nil for an empty file.
func (l *loader) document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		e := &Error{File: l.file, Err: err}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Err = errors.New(m[2])
		}
		return nil, e
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: l.file, Line: extra.Line, Err: errors.New("more than one YAML document (a second ---)")}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = root.Content[0]
	}
	root = deref(root)
	if isNull(root) {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: l.file, Line: root.Line, Err: fmt.Errorf("want a mapping of keys at top level, got %s", kindName(root))}
	}
	return root, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "nothing"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// field handles one key's value; path is the key's dotted path.
type field func(v *yaml.Node, path string)

// mapping walks a mapping node, calling each key's field; unknown and
// duplicate keys are errors, with a suggestion for a near miss.
func (l *loader) mapping(n *yaml.Node, path string, fields map[string]field) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		l.failf(n, path, "want a mapping of keys, got %s", kindName(n))
		return
	}
	l.pairs(n, path, func(k, v *yaml.Node) {
		f, ok := fields[k.Value]
		if !ok {
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			l.fail(k, path, &unknownKeyError{key: k.Value, parent: path, suggestion: nearest(k.Value, names)})
			return
		}
		l.key = k
		f(v, join(path, k.Value))
	})
}

// pairs calls fn for each key of a mapping, rejecting duplicate and merge
// keys (yaml.v3 reports neither when decoding into a Node).
func (l *loader) pairs(n *yaml.Node, path string, fn func(k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.failf(k, path, "want a plain key, got %s", kindName(k))
			continue
		}
		if k.Tag == "!!merge" {
			l.failf(k, path, "merge keys (<<) are not supported")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			l.failf(k, join(path, k.Value), "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v)
	}
}

// scalar returns a scalar's text, env-expanded; ok is false for null (the
// key keeps its default) and after an error.
func (l *loader) scalar(n *yaml.Node, path string) (string, bool) {
	s, ok := l.raw(n, path)
	if !ok {
		return "", false
	}
	return l.expandValue(n, path, s)
}

// raw is scalar without expansion.
func (l *loader) raw(n *yaml.Node, path string) (string, bool) {
	n = deref(n)
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		l.failf(n, path, "want a single value, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// expandValue applies os.Expand to one value. Unlike the shell, an unset
// variable is an error: "token: ${SLACK_TOKEN}" with SLACK_TOKEN unset
// must not become an empty token, nor "db: $STATE_DIRECTORY/tracker.db"
// a file in /.
func (l *loader) expandValue(n *yaml.Node, path, s string) (string, bool) {
	if !l.expand || !strings.Contains(s, "$") {
		return s, true
	}
	if i := strings.Index(s, "${"); i >= 0 && !strings.Contains(s[i:], "}") {
		l.failf(n, path, "unterminated ${ (write $$ for a literal $)")
		return "", false
	}
	var missing []string
	out := os.Expand(s, func(name string) string {
		if name == "$" {
			return "$"
		}
		name, def, hasDef := strings.Cut(name, ":-")
		v, ok := l.lookup(name)
		if hasDef && v == "" {
			return def
		}
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		l.failf(n, path, "environment variable %s is not set (write $$ for a literal $, or set expand_env: false)", strings.Join(missing, ", "))
		return "", false
	}
	return out, true
}

// userAgent takes a User-Agent: printable ASCII on one line, as HTTP
// allows in a header.
func (l *loader) userAgent(dst *string) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			l.failf(v, path, "empty: leave the key out for the default")
			return
		}
		for _, r := range s {
			if r < 0x20 || r > 0x7e {
				l.failf(v, path, "want printable ASCII on one line, got %q", s)
				return
			}
		}
		*dst = s
	})
}

// scalarField is a field whose value is one scalar: read gets its text,
// after the node was checked to be a scalar (else the mistake is reported).
func (l *loader) scalarField(read func(v *yaml.Node, path, s string)) field {
	return func(v *yaml.Node, path string) {
		if s, ok := l.scalar(v, path); ok {
			read(v, path, s)
		}
	}
}

func (l *loader) str(dst *string) field {
	return func(v *yaml.Node, path string) {
		if s, ok := l.scalar(v, path); ok {
			*dst = s
		}
	}
}

func (l *loader) boolean(dst *bool) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		switch strings.ToLower(s) {
		case "true":
			*dst = true
		case "false":
			*dst = false
		default:
			l.failf(v, path, "want true or false, got %q", s)
		}
	})
}

func (l *loader) integer(dst *int, min int) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			l.failf(v, path, "want a whole number, got %q", s)
		case n < min:
			l.failf(v, path, "must be at least %d, got %d", min, n)
		default:
			*dst = n
		}
	})
}

func (l *loader) duration(dst *time.Duration, positive bool) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			l.failf(v, path, "invalid duration %q (want e.g. 30s, 2m, 1h30m)", s)
		case d < 0 || (positive && d == 0):
			l.failf(v, path, "must be positive, got %s", s)
		default:
			*dst = d
		}
	})
}

func (l *loader) size(dst *int64) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		n, err := ParseSize(s)
		if err != nil {
			l.fail(v, path, err)
			return
		}
		*dst = n
	})
}

// share reads a fraction 0..1, or a percentage ("5%").
func (l *loader) share(dst *float64) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
		f, err := strconv.ParseFloat(num, 64)
		if pct {
			f /= 100
		}
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			l.failf(v, path, "want a share between 0 and 1 (or 0%%..100%%), got %q", s)
			return
		}
		*dst = f
	})
}

func (l *loader) schedule(dst *string) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			// "" on a list means "follow the global schedule".
			*dst = ""
			if path == "schedule" {
				l.failf(v, path, "empty (want e.g. \"@every 1h\" or \"15 * * * *\")")
			}
			return
		}
		if err := checkSchedule(s); err != nil {
			l.fail(v, path, err)
			return
		}
		*dst = s
	})
}

func checkSchedule(s string) error {
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return fmt.Errorf("invalid schedule %q: %v", s, err)
	}
	// cron silently rounds "@every 10ms" up to a second.
	if _, every := sched.(cron.ConstantDelaySchedule); every {
		if d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(s, "@every"))); err == nil && d < time.Second {
			return fmt.Errorf("invalid schedule %q: shorter than a second", s)
		}
	}
	return nil
}

// strings reads a list of non-empty strings. An empty list leaves the
// default, as an absent key does.
func (l *loader) stringList(dst *[]string, check func(s string) error) field {
	return func(v *yaml.Node, path string) {
		v = deref(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.SequenceNode {
			l.failf(v, path, "want a list, got %s", kindName(v))
			return
		}
		var out []string
		bad := false
		for i, item := range v.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			s, ok := l.scalar(item, p)
			switch {
			case !ok:
				if isNull(deref(item)) {
					l.failf(item, p, "empty entry")
				}
				bad = true
			case strings.TrimSpace(s) == "":
				l.failf(item, p, "empty entry")
				bad = true
			default:
				if check != nil {
					if err := check(s); err != nil {
						l.fail(item, p, err)
						bad = true
						continue
					}
				}
				out = append(out, s)
			}
		}
		if !bad && len(out) > 0 {
			*dst = out
		}
	}
}

func (l *loader) top(cfg *Config, root *yaml.Node) {
	l.expandEnv(root)
	var slackNode, regimesNode, screeningNode *yaml.Node
	l.mapping(root, "", map[string]field{
		"expand_env": func(*yaml.Node, string) {},
		"db": func(v *yaml.Node, path string) {
			if s, ok := l.scalar(v, path); ok {
				if strings.TrimSpace(s) == "" {
					l.failf(v, path, "empty (leave the key out for %s)", DefaultDB)
					return
				}
				cfg.DB = s
			}
		},
		"log": func(v *yaml.Node, path string) {
			l.mapping(v, path, map[string]field{
				"format": l.oneOf(&cfg.Log.Format, "text", "json"),
				"level":  l.oneOf(&cfg.Log.Level, "debug", "info", "warn", "error"),
			})
		},
		"listen": func(v *yaml.Node, path string) {
			s, ok := l.scalar(v, path)
			if !ok {
				return
			}
			if s != "" {
				if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
					l.failf(v, path, "want host:port (e.g. 127.0.0.1:9464), got %q", s)
					return
				}
			}
			cfg.Listen = s
		},
		"schedule": l.schedule(&cfg.Schedule),
		"jitter":   l.duration(&cfg.Jitter, false),
		"regimes": func(v *yaml.Node, path string) {
			regimesNode = v
			l.stringList(&cfg.Regimes, nil)(v, path)
		},
		"all_regimes":   l.boolean(&cfg.AllRegimes),
		"raw_retention": l.integer(&cfg.RawRetention, -1),
		"user_agent":    l.userAgent(&cfg.UserAgent),
		"lists":         func(v *yaml.Node, path string) { l.lists(cfg, v, path) },
		"notify":        func(v *yaml.Node, path string) { l.notify(&cfg.Notify, v, path) },
		"web":           func(v *yaml.Node, path string) { l.web(&cfg.Web, v, path) },
		"screening": func(v *yaml.Node, path string) {
			screeningNode = v
			l.screening(&cfg.Screening, v, path)
		},
		"slack": func(v *yaml.Node, path string) {
			slackNode = v
			cfg.Slack = &SlackConfig{}
			l.slack(cfg.Slack, v, path)
		},
	})
	if cfg.AllRegimes && len(cfg.Regimes) > 0 {
		l.failf(regimesNode, "regimes", "has no effect with all_regimes: true (set one or the other)")
	}
	if cfg.AllRegimes {
		for _, name := range sortedKeys(cfg.Lists) {
			if len(cfg.Lists[name].Regimes) > 0 {
				l.failf(l.listRegimes[name], "lists."+name+".regimes", "has no effect with all_regimes: true")
			}
		}
	}
	if cfg.Slack != nil {
		l.finishSlack(cfg.Slack, slackNode)
	}
	l.finishScreening(cfg, screeningNode)
}

// expandEnv reads expand_env before anything else: it decides how every
// other value is read.
func (l *loader) expandEnv(root *yaml.Node) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := deref(root.Content[i]); k.Value == "expand_env" {
			if s, ok := l.raw(root.Content[i+1], "expand_env"); ok {
				switch strings.ToLower(s) {
				case "true":
				case "false":
					l.expand = false
				default:
					l.failf(root.Content[i+1], "expand_env", "want true or false, got %q", s)
				}
			}
		}
	}
}

// web reads the web section: the pages' base URL for alerts, and how
// readers are authenticated.
func (l *loader) web(w *WebConfig, v *yaml.Node, path string) {
	l.mapping(v, path, map[string]field{
		"base_url": l.scalarField(func(v *yaml.Node, path, s string) {
			if s == "" {
				return
			}
			if err := checkURL(s); err != nil {
				l.fail(v, path, err)
				return
			}
			w.BaseURL = strings.TrimSuffix(s, "/")
		}),
		"users_file":   l.str(&w.UsersFile),
		"proxy_header": l.str(&w.ProxyHeader),
	})
	if w.UsersFile != "" && w.ProxyHeader != "" {
		l.failf(v, path, "users_file and proxy_header: set one or the other")
	}
}

func (l *loader) oneOf(dst *string, allowed ...string) field {
	return l.scalarField(func(v *yaml.Node, path, s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(allowed, s) {
			l.failf(v, path, "want one of %s, got %q", strings.Join(allowed, ", "), s)
			return
		}
		*dst = s
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http(s) URL, got %q", s)
	}
	return nil
}

// checkListURL accepts what the downloader can read: http(s) URLs, and
// file:// URLs for mirrored or air-gapped copies of a list.
func checkListURL(s string) error {
	if u, err := url.Parse(s); err == nil && u.Scheme == "file" && u.Path != "" {
		return nil
	}
	if err := checkURL(s); err != nil {
		return fmt.Errorf("want an http(s) or file:// URL, got %q", s)
	}
	return nil
}

func (l *loader) lists(cfg *Config, n *yaml.Node, path string) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		l.failf(n, path, "want a mapping of list names, got %s", kindName(n))
		return
	}
	l.pairs(n, path, func(k, v *yaml.Node) {
		name := k.Value
		importOnly, known := l.known[name]
		if !known {
			msg := fmt.Sprintf("unknown list %q (known: %s)", name, strings.Join(sortedKeys(l.known), ", "))
			if near := nearest(name, sortedKeys(l.known)); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			l.fail(k, join(path, name), errors.New(msg))
			return
		}
		lc := cfg.Lists[name]
		p := join(path, name)
		var enabledNode *yaml.Node
		l.mapping(v, p, map[string]field{
			"enabled": func(v *yaml.Node, path string) {
				enabledNode = v
				l.boolean(&lc.Enabled)(v, path)
			},
			"urls":       l.stringList(&lc.URLs, checkListURL),
			"schedule":   l.schedule(&lc.Schedule),
			"timeout":    l.duration(&lc.Timeout, true),
			"retries":    l.integer(&lc.Retries, 0),
			"max_bytes":  l.size(&lc.MaxBytes),
			"user_agent": l.userAgent(&lc.UserAgent),
			"adaptive":   l.boolean(&lc.Adaptive),
			"fast_interval": l.scalarField(func(v *yaml.Node, path, s string) {
				d, err := time.ParseDuration(s)
				switch {
				case err != nil:
					l.failf(v, path, "invalid duration %q (want e.g. 5m)", s)
				case d < MinFastInterval:
					// The daemon never checks a list more than once a
					// minute: a shorter interval would only mislead.
					l.failf(v, path, "must be at least %s (no publisher is asked more than once a minute), got %s", MinFastInterval, s)
				default:
					lc.FastInterval = d
				}
			}),
			"regimes": func(v *yaml.Node, path string) {
				if l.listRegimes == nil {
					l.listRegimes = map[string]*yaml.Node{}
				}
				l.listRegimes[name] = v
				l.stringList(&lc.Regimes, nil)(v, path)
			},
			"guards": func(v *yaml.Node, path string) {
				l.mapping(v, path, map[string]field{
					"min_entities":      l.integer(&lc.Guards.MinEntities, 0),
					"max_removed_share": l.share(&lc.Guards.MaxRemovedShare),
				})
			},
		})
		if importOnly && lc.Enabled {
			l.failf(enabledNode, p+".enabled", "%s is import-only (for `tracker import`) and cannot be enabled", name)
			lc.Enabled = false
		}
		cfg.Lists[name] = lc
	})
}

func (l *loader) notify(nc *NotifyConfig, n *yaml.Node, path string) {
	l.mapping(n, path, map[string]field{
		"kinds": func(v *yaml.Node, path string) {
			if dv := deref(v); dv != nil && dv.Kind == yaml.SequenceNode && len(dv.Content) == 0 {
				l.failf(v, path, "empty: nothing would be announced (want some of added, removed, amended)")
				return
			}
			var kinds []string
			l.stringList(&kinds, func(s string) error {
				switch tracker.ChangeKind(s) {
				case tracker.Added, tracker.Removed, tracker.Amended:
					return nil
				}
				return fmt.Errorf("want added, removed or amended, got %q", s)
			})(v, path)
			if len(kinds) > 0 {
				nc.Kinds = nil
				for _, k := range kinds {
					if !slices.Contains(nc.Kinds, tracker.ChangeKind(k)) {
						nc.Kinds = append(nc.Kinds, tracker.ChangeKind(k))
					}
				}
			}
		},
		"max_age":           l.duration(&nc.MaxAge, true),
		"failure_threshold": l.integer(&nc.FailureThreshold, 1),
	})
}

func (l *loader) failedUnder(prefix string) bool {
	for _, e := range l.errs {
		if strings.HasPrefix(e.Key, prefix) {
			return true
		}
	}
	return false
}

func (l *loader) failedAt(key string) bool {
	for _, e := range l.errs {
		if e.Key == key {
			return true
		}
	}
	return false
}

// nearest returns the candidate closest to s, for "did you mean": within
// two edits, fewer for short words (any key is two edits from "a"); ""
// when none is that close.
func nearest(s string, candidates []string) string {
	best, bestD := "", max(1, min(2, len(s)/3))+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
