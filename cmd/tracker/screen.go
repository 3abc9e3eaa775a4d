package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/csvsafe"
	"github.com/cybersanctions/tracker/internal/screen"
	"github.com/cybersanctions/tracker/internal/store"
)

const screenHelp = `
Screen counterparties against the designations of the latest snapshot of
every stored list (or of --list, or as of --as-of DATE): names fuzzily
(folded, transliterated, word order ignored, a typo or a missing middle
name tolerated), birth date, country and kind raising or lowering the
score; wallet addresses and identifiers exactly. FILE is a counterparty
file, CSV or YAML (.yaml, .yml), with the columns of docs/screening.md;
a bad row is reported on stderr (file:line:column) and the others are
still screened. Without FILE, --name gives one party, or else the
configuration's screening.file is screened; the threshold defaults to
screening.threshold.

Each hit names the party, the designation (list, id, name), the score and
the fields that agreed.

Exit status: 0 no hit, 1 hits, 2 trouble.`

// screenFlags are the options of 'tracker screen'.
type screenFlags struct {
	lists                    stringsFlag
	asOf, format             string
	threshold                float64
	name, kind, dob, country string
	wallets, ids, aliases    stringsFlag
	file                     string
	party                    bool // one party from flags
	workers                  int
}

func runScreen(ctx context.Context, e *env, args []string) error {
	f, err := parseScreenFlags(e, args)
	if err != nil {
		return err
	}
	parties, err := screenParties(ctx, e, f)
	if err != nil {
		return err
	}
	st, err := e.openStoreToRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	snaps, ds, err := screenDesignations(ctx, st, f)
	if err != nil {
		return err
	}
	s := screen.New(parties, screen.Options{Threshold: f.threshold})
	hits := s.ScreenAll(ds, f.workers)
	if err := writeScreen(e, f, s, snaps, hits); err != nil {
		return err
	}
	if len(hits) > 0 {
		return exitCodeError{exitChanges}
	}
	return nil
}

func parseScreenFlags(e *env, args []string) (*screenFlags, error) {
	f := &screenFlags{workers: runtime.GOMAXPROCS(0)}
	fs := e.newFlagSet("screen", "[--list NAME]... [--as-of DATE] [--threshold X] [--format text|json|csv] FILE\n"+
		"       tracker screen --name NAME [--kind KIND] [--dob DATE] [--country C] [--wallet ADDR]... [--id NUMBER]... [--alias NAME]...", screenHelp)
	fs.Var(&f.lists, "list", "screen against this list's designations (repeatable; default: every stored list)")
	fs.StringVar(&f.asOf, "as-of", "", "each list's last snapshot on or before this `date` (YYYY-MM-DD; default: the latest)")
	fs.StringVar(&f.format, "format", "text", "output `format`: text, json or csv")
	fs.Float64Var(&f.threshold, "threshold", screen.DefaultThreshold, "lowest `score` reported, 0 to 1")
	fs.StringVar(&f.name, "name", "", "one party's `name`, instead of FILE")
	fs.StringVar(&f.kind, "kind", "", "the party's `kind`: person, organisation or vessel")
	fs.StringVar(&f.dob, "dob", "", "the party's birth `date`: YYYY, YYYY-MM or YYYY-MM-DD")
	fs.StringVar(&f.country, "country", "", "the party's `country`")
	fs.Var(&f.wallets, "wallet", "the party's wallet `address` (repeatable)")
	fs.Var(&f.ids, "id", "the party's identifier `number`: passport, registration, IMO (repeatable)")
	fs.Var(&f.aliases, "alias", "another `name` of the party (repeatable)")
	if err := e.parseFlags(fs, args); err != nil {
		return nil, err
	}
	f.party = f.name != "" || len(f.wallets) > 0 || len(f.ids) > 0
	f.file = fs.Arg(0)
	if err := screenConfigDefaults(e, fs, f); err != nil {
		return nil, err
	}
	switch {
	case f.party == (f.file != "") || fs.NArg() > 1:
		fs.Usage()
		return nil, errUsage
	case f.format != "text" && f.format != "json" && f.format != "csv":
		return nil, fmt.Errorf("--format %q: want text, json or csv", f.format)
	case f.threshold <= 0 || f.threshold > 1:
		return nil, fmt.Errorf("--threshold %v: want a score above 0, at most 1", f.threshold)
	}
	return f, nil
}

// screenConfigDefaults takes what the flags leave unsaid from the
// configuration's screening section, so that an on-demand screen agrees
// with the daemon's: its threshold, and its file when neither FILE nor a
// party is given.
func screenConfigDefaults(e *env, fs *flag.FlagSet, f *screenFlags) error {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "threshold" })
	if set && (f.party || f.file != "") {
		return nil
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if !set && cfg.Screening.Threshold > 0 {
		f.threshold = cfg.Screening.Threshold
	}
	if !f.party && f.file == "" {
		f.file = cfg.Screening.File
	}
	return nil
}

// screenParties reads the counterparty file, reporting its bad rows on
// stderr, or makes the one party the flags give.
func screenParties(ctx context.Context, e *env, f *screenFlags) ([]screen.Party, error) {
	if f.party {
		kind, err := screen.ParseKind(f.kind)
		if err != nil {
			return nil, fmt.Errorf("--kind: %w", err)
		}
		if f.dob != "" && !screen.ValidDate(f.dob) {
			return nil, fmt.Errorf("--dob %q: want YYYY, YYYY-MM or YYYY-MM-DD", f.dob)
		}
		// Without --name the party is screened by its wallets and
		// identifiers alone.
		return []screen.Party{{Ref: "-", Name: f.name, Kind: kind, BirthDate: f.dob, Country: f.country,
			Identifiers: f.ids, Wallets: f.wallets, Aliases: f.aliases}}, nil
	}
	file, err := screen.Load(ctx, f.file)
	if err != nil {
		return nil, err
	}
	for _, p := range file.Problems {
		fmt.Fprintln(e.stderr, p.Error())
	}
	return file.Parties, nil
}

// screenDesignations gathers the designations to screen: the latest (or
// as-of) snapshot of each list asked for, else of every stored list.
func screenDesignations(ctx context.Context, st *store.Store, f *screenFlags) ([]tracker.Snapshot, []screen.Designation, error) {
	names := []string(f.lists)
	explicit := len(names) > 0
	if !explicit {
		var err error
		if names, err = st.StoredLists(ctx); err != nil {
			return nil, nil, err
		}
	}
	var snaps []tracker.Snapshot
	var ds []screen.Designation
	for _, l := range names {
		var sn *tracker.Snapshot
		var err error
		if f.asOf != "" {
			sn, err = st.At(ctx, l, f.asOf)
		} else {
			sn, err = st.Latest(ctx, l)
		}
		if errors.Is(err, store.ErrNotFound) && !explicit {
			continue // a list with only quarantined or retracted snapshots, or none by that date
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list %s: %w", l, err)
		}
		es, err := st.Entities(ctx, sn)
		if err != nil {
			return nil, nil, err
		}
		snaps = append(snaps, *sn)
		for _, ent := range es {
			ds = append(ds, screen.Designation{List: l, Entity: ent})
		}
	}
	switch {
	case len(snaps) == 0 && f.asOf != "":
		return nil, nil, fmt.Errorf("no list has a snapshot on or before %s", f.asOf)
	case len(snaps) == 0:
		return nil, nil, errors.New("no snapshot to screen against: run 'tracker fetch' or 'tracker import' first")
	}
	return snaps, ds, nil
}

// screenHit is a hit as JSON and CSV write it.
type screenHit struct {
	PartyRef    string         `json:"party_ref"`
	PartyName   string         `json:"party_name"`
	PartyLine   int            `json:"party_line,omitempty"`
	PartyExtra  []screen.Field `json:"party_extra,omitempty"`
	List        string         `json:"list"`
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	MatchedName string         `json:"matched_name,omitempty"`
	Kind        tracker.Kind   `json:"kind,omitempty"`
	Programs    []string       `json:"programs,omitempty"`
	Score       float64        `json:"score"`
	Matched     []string       `json:"matched"`
	Conflicts   []string       `json:"conflicts,omitempty"`
}

func toScreenHit(h screen.Hit) screenHit {
	return screenHit{
		PartyRef: h.Party.Ref, PartyName: h.Party.Name, PartyLine: h.Party.Line, PartyExtra: h.Party.Extra,
		List: h.List, ID: h.ID, Name: h.Name, MatchedName: h.MatchedName, Kind: h.Kind, Programs: h.Programs,
		Score: float64(int(h.Score*1000+0.5)) / 1000, Matched: h.Matched, Conflicts: h.Conflicts,
	}
}

func writeScreen(e *env, f *screenFlags, s *screen.Screener, snaps []tracker.Snapshot, hits []screen.Hit) error {
	switch f.format {
	case "json":
		out := struct {
			Threshold float64            `json:"threshold"`
			Parties   int                `json:"parties"`
			Snapshots []tracker.Snapshot `json:"snapshots"`
			Hits      []screenHit        `json:"hits"`
		}{s.Threshold(), s.Len(), snaps, []screenHit{}}
		for _, h := range hits {
			out.Hits = append(out.Hits, toScreenHit(h))
		}
		return writeJSON(e.stdout, out)
	case "csv":
		return writeScreenCSV(e, hits)
	}
	writeScreenText(e, s, snaps, hits)
	return nil
}

// writeScreenCSV writes one hit a row, formula-safe (internal/csvsafe):
// list and file text is data, never code.
func writeScreenCSV(e *env, hits []screen.Hit) error {
	w := csvsafe.NewWriter(e.stdout)
	_ = w.Write("party_ref", "party_name", "list", "id", "name", "matched_name", "score", "matched", "conflicts", "programs")
	for _, h := range hits {
		_ = w.Write(h.Party.Ref, h.Party.Name, h.List, h.ID, h.Name, h.MatchedName, fmt.Sprintf("%.3f", h.Score),
			strings.Join(h.Matched, "; "), strings.Join(h.Conflicts, "; "), strings.Join(h.Programs, "; "))
	}
	return w.Flush()
}

func writeScreenText(e *env, s *screen.Screener, snaps []tracker.Snapshot, hits []screen.Hit) {
	var against []string
	for _, sn := range snaps {
		against = append(against, fmt.Sprintf("%s (%d designations)", sn.Label(), sn.EntityCount))
	}
	fmt.Fprintf(e.stdout, "screened %s against %s; threshold %.2f\n",
		counterparties(s.Len()), strings.Join(against, ", "), s.Threshold())
	parties := map[string]bool{}
	for _, h := range hits {
		parties[h.Party.Ref] = true
		fmt.Fprintf(e.stdout, "%s %q ↔ %s %s %s — %.2f: %s", h.Party.Ref, h.Party.Name, h.List, h.ID, h.Name, h.Score, h.Reason())
		if h.MatchedName != "" && h.MatchedName != h.Name {
			fmt.Fprintf(e.stdout, " (as %q)", h.MatchedName)
		}
		if len(h.Conflicts) > 0 {
			fmt.Fprintf(e.stdout, "; differs: %s", strings.Join(h.Conflicts, ", "))
		}
		if len(h.Programs) > 0 {
			fmt.Fprintf(e.stdout, " [%s]", strings.Join(h.Programs, ", "))
		}
		fmt.Fprintln(e.stdout)
		for _, x := range h.Party.Extra {
			fmt.Fprintf(e.stdout, "    %s: %s\n", x.Name, x.Value)
		}
	}
	fmt.Fprintf(e.stdout, "%s for %s\n", plural(len(hits), "hit"), counterparties(len(parties)))
}

func counterparties(n int) string {
	if n == 1 {
		return "1 counterparty"
	}
	return fmt.Sprintf("%d counterparties", n)
}
