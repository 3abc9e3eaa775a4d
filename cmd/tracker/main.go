// Command tracker watches the official EU, UK and US sanctions lists, keeps
// every published version in SQLite, works out what changed and alerts on
// new cyber designations.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/termtext"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	tuneGC = true
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses. diff follows diff(1): 0 no changes, 1 changes, 2 trouble.
const (
	exitOK      = 0
	exitChanges = 1
	exitTrouble = 2
)

// command is one subcommand; each lives in its own file.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// commands lists every subcommand in the order help shows them.
func commands() []command {
	return []command{
		{"import", "store a snapshot from local files of a list", runImport},
		{"replay", "import a list's history (dated files or a git bundle), oldest first", runReplay},
		{"fetch", "download lists from their configured URLs and store them", runFetch},
		{"diff", "show what changed between two snapshots of a list", runDiff},
		{"snapshots", "list stored snapshots", runSnapshots},
		{"history", "show every stored change of one designation", runHistory},
		{"entity", "one designation's timeline on its list and on the lists linked to it", runEntity},
		{"screen", "screen counterparties (a CSV/YAML file, or one by flags) against the latest designations", runScreen},
		{"accept", "promote a quarantined snapshot after a person checked it", runAccept},
		{"retract", "withdraw a wrongly stored snapshot (kept for audit, no longer the latest)", runRetract},
		{"export-raw", "write a snapshot's raw published files back out, sha256 checked", runExportRaw},
		{"notify", "send the queued alerts; --test checks the notifier configuration", runNotify},
		{"outbox", "list the alerts not sent, with attempts and last error", runOutbox},
		{"run", "run as a service: check lists on their schedules, alert, serve health", runRun},
		{"serve", "serve the read-only web view: lists, changes, designations, diffs", runServe},
		{"backup", "write a consistent copy of the database to a new file", runBackup},
		{"config", "'config check': validate the configuration", runConfig},
		{"doctor", "check the publishers' URLs, Slack and the database: is this install usable?", runDoctor},
	}
}

// env is what every subcommand gets: output streams and global options.
type env struct {
	stdout, stderr io.Writer
	dbPath         string
	configPath     string
	cfg            *config.Config // loaded on first use
}

// exitCodeError carries an exit status other than trouble, such as diff's 1.
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Run runs the tracker with command-line arguments (without the program
// name) and returns the process's exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Everything printed passes one cleaner: list text and servers' error
	// pages reach the terminal with control and bidi characters escaped.
	// JSON stays valid (the escapes are JSON's own).
	out, errOut := termtext.NewWriter(stdout), termtext.NewWriter(stderr)
	defer out.Flush()
	defer errOut.Flush()
	return run(ctx, args, out, errOut)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	global := flag.NewFlagSet("tracker", flag.ContinueOnError)
	global.SetOutput(stderr)
	e.globalFlags(global)
	global.Usage = func() { printHelp(stderr) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitTrouble
	}
	args = global.Args()
	if len(args) == 0 {
		printHelp(stderr)
		return exitTrouble
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" {
		if len(rest) > 0 {
			return run(ctx, []string{rest[0], "-h"}, stdout, stderr)
		}
		printHelp(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		tuneOneShotGC(c.name)
		err := c.run(ctx, e, rest)
		var code exitCodeError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &code):
			return code.code
		case errors.Is(err, errUsage):
			return exitTrouble // the flag package already printed the problem
		}
		fmt.Fprintf(stderr, "tracker %s: %v\n", name, err)
		return exitTrouble
	}
	fmt.Fprintf(stderr, "tracker: unknown command %q; run 'tracker help'\n", name)
	return exitTrouble
}

// errUsage reports a command-line mistake the flag package has explained.
var errUsage = errors.New("usage")

// globalFlags registers the options every command accepts, before or after
// the command name.
func (e *env) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&e.dbPath, "db", e.dbPath, "SQLite database `path` (default: from the config, else ./tracker.db)")
	fs.StringVar(&e.configPath, "config", e.configPath, "configuration `file` (default: $TRACKER_CONFIG, else ./tracker.yaml if present)")
}

// newFlagSet makes a subcommand's flag set with the global flags and a
// usage text written for people.
func (e *env) newFlagSet(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("tracker "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	e.globalFlags(fs)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: tracker %s %s\n\n%s\n\nOptions:\n", name, synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
	}
	return fs
}

// parseFormatFlags parses the arguments of a subcommand that takes no
// operands and prints text or JSON: --format must be one of the two.
func (e *env) parseFormatFlags(fs *flag.FlagSet, args []string, format *string) error {
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	return noOperands(fs)
}

// noOperands refuses arguments left after the flags.
func noOperands(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseFlags parses a subcommand's arguments, mapping -h to flag.ErrHelp
// (exit 0, usage printed to stdout) and mistakes to errUsage.
func (e *env) parseFlags(fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `tracker watches the EU, UK and US sanctions lists and reports what changed.

Usage: tracker [--db PATH] [--config FILE] COMMAND [options]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nLists:\n")
	for _, l := range lists.All() {
		note := ""
		switch {
		case l.ImportOnly:
			note = " (import only)"
		case !l.Enabled:
			note = " (off unless enabled in the config)"
		}
		fmt.Fprintf(w, "  %-18s %s%s\n", l.Name, l.Publisher, note)
	}
	fmt.Fprint(w, `
Run 'tracker COMMAND -h' for a command's options.
Exit status: 0 success, 2 trouble; 'diff' exits 1 when there are changes,
'screen' when there are hits.
`)
}
