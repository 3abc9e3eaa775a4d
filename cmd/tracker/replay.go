package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/replay"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

const replayHelp = `
Import a list's history, oldest first, each version exactly as 'tracker
import' would store it (same parser, guards and raw-file retention), and
work out what changed from one version to the next as it goes.

The history is a directory of dated publications (DATE.sdn.csv files,
files sharing a date being one publication, or DATE/ directories holding
a publication's files; DATE is YYYY-MM-DD and is the publication date), or
a git bundle with one version per commit (read in place: git is not
needed): each commit's date, as a calendar day, is its publication date,
and several commits on one day are all imported in order. --file names the files to
take from each commit (repeat it for a CSV set; default: every file at the
top of the commit).

History is not news: replay queues no alerts and no operator notices,
whatever the configured notifier, so nothing is sent later by 'tracker
notify' or 'run' either. The list's next fetch or import is compared with
the last replayed version and alerts as usual.

The store takes versions oldest first, so a database already holding a
later version of the list is refused, unless that version is one of this
history's: then the replay continues after it (run the same command again
after an interruption). Ctrl-C stops between two versions, keeping every
version stored so far, and prints the summary so far.

Progress goes to stderr (a redrawn line on a terminal, else a line about
every tenth of the way), the summary to stdout.

`

func runReplay(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("replay", "--list NAME [--from DATE] [--to DATE] [--file NAME]... BUNDLE|DIR", replayHelp+"Lists: "+listNames())
	list := fs.String("list", "", "list `name` (required)")
	from := fs.String("from", "", "replay only versions dated on or after `date` (YYYY-MM-DD)")
	to := fs.String("to", "", "replay only versions dated on or before `date` (YYYY-MM-DD)")
	var files stringsFlag
	fs.Var(&files, "file", "`name` of a file to take from each commit of a bundle; repeatable")
	verbose := fs.Bool("v", false, "print what each version stored")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if *list == "" || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	for _, d := range []string{*from, *to} {
		if _, err := time.Parse("2006-01-02", d); d != "" && err != nil {
			return fmt.Errorf("date %q: want YYYY-MM-DD", d)
		}
	}
	l, err := lists.Lookup(*list)
	if err != nil {
		return err
	}
	// A configuration mistake shows before a bundle is read.
	if _, err := e.config(); err != nil {
		return err
	}
	src, err := replay.Open(ctx, fs.Arg(0), replay.Options{Files: files})
	if err != nil {
		return err
	}
	defer src.Close()
	versions := selectVersions(src.Versions(), *from, *to)
	if len(versions) == 0 {
		return fmt.Errorf("%s: no versions dated %s to %s", src.Path, orAny(*from), orAny(*to))
	}

	// Silent: replay plans no alerts (see the help above).
	p, err := e.openPipeline(ctx, pipelineOptions{silent: true})
	if err != nil {
		return err
	}
	st := p.store
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	if l.NewReader != nil {
		// Consecutive versions share nearly every line: a parser that
		// remembers the last version parses only what changed.
		l.Parse = l.NewReader()
	}
	r := &replayer{e: e, list: l, src: src, in: p.ingester, versions: versions, verbose: *verbose}
	runErr := r.run(ctx)
	if !r.began {
		return runErr // refused before storing anything
	}
	// The summary is printed whatever happened next: an interrupted or
	// failed replay keeps what it stored, and says so.
	path := st.Path()
	raw, rawErr := st.RawBytes(context.WithoutCancel(ctx))
	closeErr := st.Close()
	st = nil
	r.printSummary(path, dbBytes(path), raw, errors.Join(rawErr, closeErr))
	switch {
	case runErr != nil:
		return runErr
	case r.interrupted:
		return fmt.Errorf("interrupted after %d of %d versions; run the same command again to continue", r.done, len(versions))
	}
	return nil
}

// selectVersions returns the indexes of the versions dated from..to
// (either may be "").
func selectVersions(vs []replay.Version, from, to string) []int {
	var out []int
	for i, v := range vs {
		if (from == "" || v.Date >= from) && (to == "" || v.Date <= to) {
			out = append(out, i)
		}
	}
	return out
}

func orAny(d string) string {
	if d == "" {
		return "any date"
	}
	return d
}

// replayer is one replay and its tallies.
type replayer struct {
	e        *env
	list     lists.List
	src      *replay.Source
	in       *ingest.Ingester
	versions []int // indexes of the source's versions to replay
	verbose  bool
	largest  int64 // bytes of the largest version read, for fitReplayMemory

	start       time.Time
	elapsed     time.Duration
	skip        int // versions at the start already in the database
	done        int // versions read, counting the skipped ones
	stored      int
	unchanged   int
	quarantined int
	firstStored *tracker.Snapshot
	lastStored  *tracker.Snapshot
	lastLabel   string
	all, cyber  map[tracker.ChangeKind]int
	began       bool // the database was found fit and reading started
	interrupted bool
}

// version is the i-th version to replay.
func (r *replayer) version(i int) replay.Version { return r.src.Versions()[r.versions[i]] }

func (r *replayer) run(ctx context.Context) error {
	r.start = time.Now()
	r.all, r.cyber = map[tracker.ChangeKind]int{}, map[tracker.ChangeKind]int{}
	defer func() { r.elapsed = time.Since(r.start) }()
	var err error
	if r.skip, err = r.resumeAt(ctx); err != nil {
		return err
	}
	r.began, r.done = true, r.skip
	progress := replay.NewProgress(r.e.stderr, replay.IsTerminal(r.e.stderr), len(r.versions))
	progress.Start(r.skip)
	defer progress.Finish()
	filter := r.e.filterFor(r.list.Name)
	// The next version is read from the bundle while this one is parsed
	// and stored: storing leaves the second core idle, and rebuilding a
	// version from git's deltas (5-10 ms) then costs no wall time (308
	// OFAC versions: 10-18% less wall, 1-2 MB more resident).
	var next <-chan readResult
	if r.skip < len(r.versions) {
		next = r.readAhead(ctx, r.skip)
	}
	defer func() {
		if next != nil {
			<-next // no read outlives the replay's source
		}
	}()
	for i := r.skip; i < len(r.versions); i++ {
		// Stop between versions only: the version being stored is finished
		// (well under a second), so the database ends on a whole version.
		if ctx.Err() != nil {
			r.interrupted = true
			return nil
		}
		v := r.version(i)
		got := <-next
		next = nil
		if got.err != nil {
			if ctx.Err() != nil { // the read was interrupted with us
				r.interrupted = true
				return nil
			}
			return got.err
		}
		if i+1 < len(r.versions) {
			next = r.readAhead(ctx, i+1)
		}
		if n := filesBytes(got.files); n > r.largest {
			r.largest = n
			fitReplayMemory(n)
		}
		res, err := r.in.Ingest(context.WithoutCancel(ctx), ingest.Request{List: r.list, Files: got.files, AsOf: v.Date})
		if err != nil {
			return fmt.Errorf("%s: %w", v.Label, err)
		}
		r.done, r.lastLabel = i+1, v.Label
		r.count(res, filter)
		if r.verbose {
			progress.Finish() // the line goes back under this one
			fmt.Fprintf(r.e.stdout, "%s: ", v.Label)
			printSaveResult(r.e, r.list, res)
		}
		progress.Update(replay.Status{Done: r.done, Date: v.Date, Stored: r.stored})
	}
	return nil
}

// count adds a stored version's result to the tallies.
func (r *replayer) count(res *store.SaveResult, filter diff.Filter) {
	switch {
	case !res.Created:
		r.unchanged++
	case res.Quarantined():
		r.quarantined++
	default:
		r.stored++
		sn := res.Snapshot
		if r.firstStored == nil {
			r.firstStored = &sn
		}
		r.lastStored = &sn
		if res.Previous != nil {
			tally(r.all, res.Changes)
			tally(r.cyber, filter.Apply(res.Changes))
		}
	}
}

// readResult is one version's files as read from the source.
type readResult struct {
	files []source.RawFile
	err   error
}

// readAhead reads the i-th version to replay in the background. Reads
// never overlap: each starts after the one before was received.
func (r *replayer) readAhead(ctx context.Context, i int) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		files, err := r.src.Read(ctx, r.versions[i])
		ch <- readResult{files, err}
	}()
	return ch
}

// resumeAt returns how many versions at the start to skip. A database
// holding the list at a later date than the first version is refused,
// unless its latest snapshot is a version of this history, as after an
// interrupted replay: the replay goes on after it. Only versions of the
// latest snapshot's day can be it, so only those are read to find it.
func (r *replayer) resumeAt(ctx context.Context) (int, error) {
	latest, err := r.in.Store.Latest(ctx, r.list.Name)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	first := r.version(0)
	if latest.PublishedAt == "" || latest.PublishedAt < first.Date {
		return 0, nil
	}
	for i, j := range r.versions {
		v := r.src.Versions()[j]
		if v.Date > latest.PublishedAt {
			break
		}
		if v.Date < latest.PublishedAt {
			continue
		}
		files, err := r.src.Read(ctx, j)
		if err != nil {
			return 0, err
		}
		if ingest.RawSHA256(files) == latest.RawSHA256 {
			fmt.Fprintf(r.e.stderr, "replay: the database holds %s up to %s, stored from %s: continuing after it\n",
				r.list.Name, latest.Label(), v.Label)
			return i + 1, nil
		}
	}
	if first.Date == latest.PublishedAt {
		return 0, nil // same day: the store takes it after the latest
	}
	return 0, fmt.Errorf("the database already holds %s up to snapshot %s, later than the first version to replay (%s, %s), "+
		"and that snapshot is none of this history's versions: the store takes versions oldest first. "+
		"Replay into a new database, or with --from %s to add only what follows",
		r.list.Name, latest.Label(), first.Date, first.Label, latest.PublishedAt)
}

// filesBytes is the size of a version's files together.
func filesBytes(files []source.RawFile) int64 {
	var n int64
	for _, f := range files {
		n += int64(len(f.Data))
	}
	return n
}

func tally(n map[tracker.ChangeKind]int, changes []tracker.Change) {
	for _, c := range changes {
		n[c.Kind]++
	}
}

// countKinds renders "3 changes (2 added, 1 amended)", as countChanges.
func countKinds(n map[tracker.ChangeKind]int) string {
	total := 0
	var parts []string
	for _, k := range []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended} {
		total += n[k]
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	s := plural(total, "change")
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func (r *replayer) printSummary(path string, size, raw int64, sizeErr error) {
	w := r.e.stdout
	what := "replayed"
	if r.interrupted {
		what = "interrupted after"
	}
	span := ""
	if n := len(r.versions); n > 0 {
		span = fmt.Sprintf(" (%s → %s)", r.version(0).Date, r.version(n-1).Date)
	}
	fmt.Fprintf(w, "%s: %s %d of %d versions of %s%s in %s\n", r.list.Name, what, r.done, len(r.versions),
		filepath.Base(r.src.Path), span, replay.FormatDuration(r.elapsed))
	if r.skip > 0 {
		fmt.Fprintf(w, "  already in the database: %d\n", r.skip)
	}
	stored := fmt.Sprint(r.stored)
	if r.firstStored != nil {
		stored += fmt.Sprintf(" (%s … %s)", r.firstStored.Label(), r.lastStored.Label())
	}
	fmt.Fprintf(w, "  snapshots stored: %s\n", stored)
	fmt.Fprintf(w, "  unchanged versions skipped: %d (content equal to the snapshot before)\n", r.unchanged)
	if r.quarantined > 0 {
		fmt.Fprintf(w, "  quarantined by the guards: %d (see 'tracker snapshots'; not part of the history until accepted)\n", r.quarantined)
	}
	fmt.Fprintf(w, "  changes, all regimes: %s\n", countKinds(r.all))
	f := r.e.filterFor(r.list.Name)
	if f.All {
		fmt.Fprintf(w, "  changes under the alert filter: all regimes\n")
	} else {
		fmt.Fprintf(w, "  changes under %s: %s\n", strings.Join(f.Regimes, ", "), countKinds(r.cyber))
	}
	fmt.Fprintf(w, "  alerts queued: none (history is not announced)\n")
	if sizeErr != nil {
		fmt.Fprintf(w, "  database: %s (size unknown: %v)\n", path, sizeErr)
	} else {
		fmt.Fprintf(w, "  database: %s, %s; raw published files %s of it, %s without them\n",
			path, byteSize(size), byteSize(raw), byteSize(size-raw))
	}
	if r.interrupted && r.lastLabel != "" {
		fmt.Fprintf(w, "  last version stored: %s\n", r.lastLabel)
	}
}

// dbBytes is the size of a closed database: closing checkpointed the WAL
// into the main file; a WAL another process keeps open is counted too.
func dbBytes(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}
