package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/fetch"
)

func runConfig(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("config", "check", `
check: load the configuration the way 'tracker run' does (--config, else
$TRACKER_CONFIG, else ./tracker.yaml, else the defaults) and report every
problem, each with its line and key; or say what is enabled. Exit status 2
if there is any problem.`)
	// "config check --config FILE": the flag package stops at the first
	// argument that is not a flag, so take the subcommand off first.
	sub, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, rest = args[0], args[1:]
	}
	if err := e.parseFlags(fs, rest); err != nil {
		return err
	}
	if sub == "" && fs.NArg() == 1 {
		sub = fs.Arg(0)
	} else if fs.NArg() > 0 {
		sub = ""
	}
	if sub != "check" {
		fs.Usage()
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		printErrors(e.stderr, err)
		return exitCodeError{exitTrouble}
	}
	specs, err := listSpecs(cfg)
	if err != nil {
		printErrors(e.stderr, err)
		return exitCodeError{exitTrouble}
	}
	var lists []string
	for _, s := range specs {
		lists = append(lists, fmt.Sprintf("%s (%s)", s.List.Name, s.Schedule))
	}
	fmt.Fprintf(e.stdout, "config OK: %d lists enabled: %s\n", len(specs), strings.Join(lists, ", "))
	db := cfg.DB
	if e.dbPath != "" {
		db = e.dbPath + " (--db)"
	}
	fmt.Fprintf(e.stdout, "  database: %s\n  alerts:   %s\n  listen:   %s\n", db, alertTarget(cfg), orOff(cfg.Listen))
	if len(specs) == 0 {
		fmt.Fprintln(e.stdout, "  note: no list enabled: 'tracker run' would have nothing to do")
	}
	// A warning, not an error: the file is valid and another publisher's
	// mirror may accept the User-Agent, but OFAC's own host will not.
	for _, w := range userAgentWarnings(cfg) {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	return nil
}

// userAgentWarnings names each enabled OFAC list (by name, or by a URL on
// OFAC's host) whose effective User-Agent OFAC's firewall would refuse.
func userAgentWarnings(cfg *config.Config) []string {
	var out []string
	for _, name := range cfg.EnabledLists() {
		lc := cfg.List(name)
		if !isOFACList(name, lc) {
			continue
		}
		if err := fetch.OFACAcceptsUserAgent(effectiveUserAgent(lc)); err != nil {
			out = append(out, fmt.Sprintf("lists.%s: OFAC's server will answer 403 Forbidden: the %v (%s; fix or remove user_agent)", name, err, fetch.OFACUserAgentRule))
		}
	}
	return out
}

// isOFACList: the list is one of OFAC's, or one of its URLs is on OFAC's
// host.
func isOFACList(name string, lc config.ListConfig) bool {
	if strings.HasPrefix(name, "ofac-") {
		return true
	}
	for _, u := range lc.URLs {
		if fetch.IsOFACHost(u) {
			return true
		}
	}
	return false
}

// alertTarget says where alerts go, naming where a credential came from,
// never its value.
func alertTarget(cfg *config.Config) string {
	s := cfg.Slack
	switch {
	case s == nil:
		return "stdout (no slack section)"
	case s.WebhookMode():
		return "Slack incoming webhook from " + s.CredentialSource
	default:
		return fmt.Sprintf("Slack channel %s (token from %s), operator notices to %s", s.Channel, s.CredentialSource, s.OperatorChannel)
	}
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

// printErrors prints each of a joined error's errors on a line of its own.
func printErrors(w io.Writer, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printErrors(w, e)
		}
		return
	}
	fmt.Fprintln(w, err) // a *config.Error names the file, line and key
}
