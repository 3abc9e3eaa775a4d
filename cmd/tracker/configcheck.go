package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/screen"
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
	for _, s := range specs {
		if w := userAgentWarning(s); w != "" {
			fmt.Fprintf(e.stdout, "  warning: lists.%s: %s\n", s.List.Name, w)
		}
	}
	return checkScreening(ctx, e, cfg)
}

// maxRowProblems is how many bad rows of the counterparty file config
// check shows; the count says how many there are.
const maxRowProblems = 20

// checkScreening says what screening does and reads the counterparty
// file, as the daemon will: an unreadable file is a problem, bad rows are
// warnings (they are skipped, the rest is screened).
func checkScreening(ctx context.Context, e *env, cfg *config.Config) error {
	sc := cfg.Screening
	if !sc.Enabled() {
		fmt.Fprintln(e.stdout, "  screening: off (no screening.file)")
		return nil
	}
	f, err := screen.Load(ctx, sc.File)
	if err != nil {
		fmt.Fprintf(e.stderr, "screening.file: %v\n", err)
		return exitCodeError{exitTrouble}
	}
	scope := func(vs []string, all string) string {
		if len(vs) == 0 {
			return all
		}
		return strings.Join(vs, ", ")
	}
	to := "stdout"
	if cfg.Slack != nil {
		to = "Slack " + cmp.Or(cfg.ScreeningChannel(), "webhook")
	}
	switch {
	case sc.Mention != "" && cfg.Slack != nil:
		to += " after " + sc.Mention
	case sc.Mention != "":
		to += " (screening.mention is for Slack: not used)"
	}
	fmt.Fprintf(e.stdout, "  screening: %s: %d counterparties, %d rows skipped; threshold %.2f; lists: %s; regimes: %s; hits to %s\n",
		sc.File, len(f.Parties), len(f.Problems), sc.Threshold, scope(sc.Lists, "all tracked"), scope(sc.Regimes, "all"), to)
	for i, p := range f.Problems {
		if i == maxRowProblems {
			fmt.Fprintf(e.stdout, "  warning: screening.file: %d more rows skipped\n", len(f.Problems)-i)
			break
		}
		fmt.Fprintf(e.stdout, "  warning: screening.file: %v (row skipped)\n", p)
	}
	return nil
}

// userAgentWarning says when a list's User-Agent would be refused by its
// publisher's firewall (OFAC's rule), or "".
func userAgentWarning(s daemon.ListSpec) string {
	rule := s.List.UserAgentRule
	urls := s.URLs
	if len(urls) == 0 {
		urls = s.List.URLs
	}
	for _, u := range urls {
		if r := lists.UserAgentRuleFor(u); r != nil {
			rule = r
		}
	}
	if rule != nil && !rule.Accepts(s.UserAgent) {
		return fmt.Sprintf("user agent %q would be refused with 403: %s", s.UserAgent, rule.Text)
	}
	return ""
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
