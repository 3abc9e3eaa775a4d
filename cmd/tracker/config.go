package main

import (
	"errors"
	"io/fs"
	"os"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
)

// defaultConfigPath is read when present and no other config is named.
const defaultConfigPath = "tracker.yaml"

// config loads the configuration once: --config, else $TRACKER_CONFIG, else
// ./tracker.yaml if it exists, else the defaults.
func (e *env) config() (*config.Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	path := e.configPath
	if path == "" {
		path = os.Getenv("TRACKER_CONFIG")
	}
	if path == "" {
		if _, err := os.Stat(defaultConfigPath); err == nil {
			path = defaultConfigPath
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	e.cfg = cfg
	return cfg, nil
}

// filterFor returns the alert regime filter of a list: --all-regimes in
// the config, else its regimes for the list or for all lists, else the
// list's cyber regimes.
func (e *env) filterFor(list string) diff.Filter {
	l, _ := lists.Lookup(list)
	cfg, err := e.config()
	if err != nil {
		return diff.Filter{Regimes: l.CyberRegimes}
	}
	if cfg.AllRegimes {
		return diff.Filter{All: true}
	}
	if lc := cfg.List(list); len(lc.Regimes) > 0 {
		return diff.Filter{Regimes: lc.Regimes}
	}
	if len(cfg.Regimes) > 0 {
		return diff.Filter{Regimes: cfg.Regimes}
	}
	return diff.Filter{Regimes: l.CyberRegimes}
}
