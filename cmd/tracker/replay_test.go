package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// replayFixtures are the hand-written sdn.csv versions of internal/replay.
var replayFixtures = filepath.Join("..", "..", "internal", "replay", "testdata")

// replayGit runs git in dir with a fixed identity and no user configuration.
func replayGit(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// fixtureStep is one version of the fixture history: a commit date and
// the fixture committed as sdn.csv.
type fixtureStep struct{ date, fixture string }

// fixtureHistory: v2 twice (the second an unchanged version); v1 and v2 on
// one day, v2 late that day in its own zone but the next day in UTC.
var fixtureHistory = []fixtureStep{
	{"2021-03-01T10:00:00+00:00", "v1.sdn.csv"},
	{"2021-03-01T23:30:00-05:00", "v2.sdn.csv"},
	{"2021-03-05T12:00:00+00:00", "v2.sdn.csv"},
	{"2021-03-09T12:00:00+02:00", "v4.sdn.csv"},
}

// fixtureBundle commits the fixture history as sdn.csv in a new
// repository and bundles it.
func fixtureBundle(t testing.TB) string { return bundleOf(t, fixtureHistory) }

// bundleOf commits each step's fixture as sdn.csv; a fixture that is no
// file name is the content itself.
func bundleOf(t testing.TB, steps []fixtureStep) string {
	t.Helper()
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	replayGit(t, dir, nil, "init", "-q", "-b", "main", repo)
	for _, s := range steps {
		data, err := os.ReadFile(filepath.Join(replayFixtures, s.fixture))
		if errors.Is(err, fs.ErrNotExist) {
			data, err = []byte(s.fixture), nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, "sdn.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		env := []string{"GIT_COMMITTER_DATE=" + s.date, "GIT_AUTHOR_DATE=" + s.date}
		replayGit(t, repo, env, "add", "sdn.csv")
		replayGit(t, repo, env, "commit", "-q", "--allow-empty", "-m", "version")
	}
	bundle := filepath.Join(dir, "history.bundle")
	replayGit(t, repo, nil, "bundle", "create", "-q", bundle, "HEAD", "main")
	return bundle
}

// fixtureDir lays the fixture history out as a directory: dated files and
// one dated directory.
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, fixture := range map[string]string{
		"2021-03-01.sdn.csv": "v1.sdn.csv", "2021-03-05.sdn.csv": "v2.sdn.csv",
		"2021-03-07.sdn.csv": "v2.sdn.csv", "2021-03-09/sdn.csv": "v4.sdn.csv",
	} {
		data, err := os.ReadFile(filepath.Join(replayFixtures, fixture))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a version\n"), 0o644)
	return dir
}

// kindIDs are the entity ids of changes, by kind, sorted.
type kindIDs map[tracker.ChangeKind][]string

func (k kindIDs) String() string {
	var parts []string
	for _, kind := range []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended} {
		parts = append(parts, fmt.Sprintf("%s %v", kind, k[kind]))
	}
	return strings.Join(parts, "; ")
}

func equalKinds(a, b kindIDs) bool {
	for _, kind := range []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended} {
		if !slices.Equal(a[kind], b[kind]) {
			return false
		}
	}
	return true
}

func changeIDs(changes []tracker.Change) kindIDs {
	return kindIDs{tracker.Added: idsOf(changes, tracker.Added), tracker.Removed: idsOf(changes, tracker.Removed),
		tracker.Amended: idsOf(changes, tracker.Amended)}
}

// rawChanges recomputes the changes between two sdn.csv files from their
// raw lines (rawSDN, as TestOFACPairs does), not through the parser: every
// regime (a record new, gone, or whose line differs) and the cyber
// programmes (cyber tag gained, lost, or kept with the line changed).
// Lines are compared with runs of white space folded to one space, as the
// entity model folds them: OFAC has fixed a doubled space in a name
// (40261 on 2022-12-16, 45950 on 2023-11-03), which is no amendment.
func rawChanges(t testing.TB, oldPath, newPath string) (all, cyber kindIDs) {
	t.Helper()
	oldLines, oldCyber := rawSDN(t, oldPath)
	newLines, newCyber := rawSDN(t, newPath)
	for _, lines := range []map[string]string{oldLines, newLines} {
		for id, l := range lines {
			lines[id] = strings.Join(strings.Fields(l), " ")
		}
	}
	a := map[tracker.ChangeKind]map[string]bool{tracker.Added: {}, tracker.Removed: {}, tracker.Amended: {}}
	c := map[tracker.ChangeKind]map[string]bool{tracker.Added: {}, tracker.Removed: {}, tracker.Amended: {}}
	for id, line := range newLines {
		old, ok := oldLines[id]
		switch {
		case !ok:
			a[tracker.Added][id] = true
		case old != line:
			a[tracker.Amended][id] = true
		}
		switch {
		case newCyber[id] && !oldCyber[id]:
			c[tracker.Added][id] = true
		case newCyber[id] && old != line:
			c[tracker.Amended][id] = true
		}
	}
	for id := range oldLines {
		if _, ok := newLines[id]; !ok {
			a[tracker.Removed][id] = true
		}
		if oldCyber[id] && !newCyber[id] {
			c[tracker.Removed][id] = true
		}
	}
	all, cyber = kindIDs{}, kindIDs{}
	for k := range a {
		all[k], cyber[k] = sorted(a[k]), sorted(c[k])
	}
	return all, cyber
}

// checkPair compares what the store recorded for snapshot sn against its
// previous one with the raw recomputation from their files.
func checkPair(t testing.TB, st *store.Store, sn tracker.Snapshot, oldPath, newPath string) (all, cyber kindIDs) {
	t.Helper()
	l, _ := lists.Lookup("ofac-sdn")
	changes, err := st.Changes(context.Background(), sn.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantAll, wantCyber := rawChanges(t, oldPath, newPath)
	gotAll, gotCyber := changeIDs(changes), changeIDs(diff.Filter{Regimes: l.CyberRegimes}.Apply(changes))
	if !equalKinds(gotAll, wantAll) {
		t.Errorf("snapshot %s, all regimes:\n  stored %v\n  raw    %v", sn.Label(), gotAll, wantAll)
	}
	if !equalKinds(gotCyber, wantCyber) {
		t.Errorf("snapshot %s, cyber:\n  stored %v\n  raw    %v", sn.Label(), gotCyber, wantCyber)
	}
	return wantAll, wantCyber
}

// countLine renders kind counts as the summary does, leaving out kinds
// with none.
func countLine(total map[tracker.ChangeKind]int) string {
	n := total[tracker.Added] + total[tracker.Removed] + total[tracker.Amended]
	var parts []string
	for _, k := range []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended} {
		if total[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", total[k], k))
		}
	}
	return fmt.Sprintf("%d changes (%s)", n, strings.Join(parts, ", "))
}

func snapshotsOf(t testing.TB, st *store.Store) []tracker.Snapshot {
	t.Helper()
	sns, err := st.Snapshots(context.Background(), "ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	return sns
}

// TestReplayFixtures replays the fixture history from a git bundle and from
// a directory: each stored pair's changes agree with the raw files, the
// unchanged version is skipped, dates are the versions' own, the summary
// adds up, and no alert is queued although the same imports would queue one.
func TestReplayFixtures(t *testing.T) {
	fx := func(name string) string { return filepath.Join(replayFixtures, name) }
	tests := []struct {
		name   string
		source func(testing.TB) string
		dates  []string // of the stored snapshots
	}{
		{"git bundle", fixtureBundle, []string{"2021-03-01", "2021-03-01", "2021-03-09"}},
		{"directory", fixtureDir, []string{"2021-03-01", "2021-03-05", "2021-03-09"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			out := c.mustRun(0, "replay", "--list", "ofac-sdn", tc.source(t))
			st := openDB(t, c.db)
			sns := snapshotsOf(t, st)
			var dates []string
			for _, sn := range sns {
				dates = append(dates, sn.PublishedAt)
			}
			if !slices.Equal(dates, tc.dates) {
				t.Fatalf("snapshots dated %v, want %v", dates, tc.dates)
			}
			totalAll, totalCyber := map[tracker.ChangeKind]int{}, map[tracker.ChangeKind]int{}
			for i, files := range [][2]string{{"v1.sdn.csv", "v2.sdn.csv"}, {"v2.sdn.csv", "v4.sdn.csv"}} {
				all, cyber := checkPair(t, st, sns[i+1], fx(files[0]), fx(files[1]))
				for k, ids := range all {
					totalAll[k] += len(ids)
					totalCyber[k] += len(cyber[k])
				}
			}
			for _, want := range []string{
				"ofac-sdn: replayed 4 of 4 versions of ",
				"snapshots stored: 3 (#1 ofac-sdn 2021-03-01 … #3 ofac-sdn 2021-03-09)",
				"unchanged versions skipped: 1 ",
				"changes, all regimes: " + countLine(totalAll),
				"changes under CYBER, CYBER2, CYBER3, CYBER4: " + countLine(totalCyber),
				"alerts queued: none",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("summary lacks %q:\n%s", want, out)
				}
			}
			if ds, err := st.Deliveries(context.Background()); err != nil || len(ds) != 0 {
				t.Errorf("replay queued %d deliveries (%v), want none", len(ds), err)
			}
		})
	}

	// The same publications imported one by one do queue an alert, so the
	// check above is not vacuous.
	c := newCLI(t)
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", "--as-of", "2021-03-01", fx("v1.sdn.csv"))
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", "--as-of", "2021-03-05", fx("v2.sdn.csv"))
	if ds, err := openDB(t, c.db).Deliveries(context.Background()); err != nil || len(ds) == 0 {
		t.Errorf("import queued %d deliveries (%v); the default configuration should alert on the CYBER2 addition", len(ds), err)
	}
}

// TestReplayIntoNewerDatabase: a database holding a later version is
// refused before anything is stored; one holding a version of the first
// version's day takes the replay after it (equal dates are accepted).
func TestReplayIntoNewerDatabase(t *testing.T) {
	bundle := fixtureBundle(t)
	fx := func(name string) string { return filepath.Join(replayFixtures, name) }

	c := newCLI(t)
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", "--as-of", "2021-03-09", fx("v4.sdn.csv"))
	code, out, errOut := c.run("replay", "--list", "ofac-sdn", bundle)
	if code != exitTrouble || !strings.Contains(errOut, "already holds ofac-sdn up to snapshot #1 ofac-sdn 2021-03-09, later than the first version to replay (2021-03-01") ||
		!strings.Contains(errOut, "--from 2021-03-09") || out != "" {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s\nwant exit 2, no summary and the refusal", code, out, errOut)
	}
	if n := len(snapshotsOf(t, openDB(t, c.db))); n != 1 {
		t.Errorf("%d snapshots after a refused replay, want the 1 imported", n)
	}
	// --from the latest day adds only what follows.
	out = c.mustRun(0, "replay", "--list", "ofac-sdn", "--from", "2021-03-09", bundle)
	if !strings.Contains(out, "replayed 1 of 1 versions") || !strings.Contains(out, "unchanged versions skipped: 1 ") {
		t.Errorf("--from 2021-03-09: %s", out)
	}

	c = newCLI(t)
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", "--as-of", "2021-03-01", fx("v1.sdn.csv"))
	out = c.mustRun(0, "replay", "--list", "ofac-sdn", bundle)
	if !strings.Contains(out, "snapshots stored: 2 (#2 ofac-sdn 2021-03-01 … #3 ofac-sdn 2021-03-09)") {
		t.Errorf("replay after an import of the same day:\n%s", out)
	}
}

func writeReplayConfig(t testing.TB, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReplayGuards: replay stores through the configured guards, as import
// does, and counts what they quarantined. With min_entities 26 the first
// version (25 entities) is quarantined and the second becomes the baseline.
func TestReplayGuards(t *testing.T) {
	c := newCLI(t)
	cfg := writeReplayConfig(t, "lists:\n  ofac-sdn:\n    guards: {min_entities: 26}\n")
	out := c.mustRun(0, "--config", cfg, "replay", "--list", "ofac-sdn", fixtureBundle(t))
	for _, want := range []string{"snapshots stored: 2 (#2 ofac-sdn 2021-03-01 … #3 ofac-sdn 2021-03-09)", "quarantined by the guards: 1 "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	sns := snapshotsOf(t, openDB(t, c.db))
	if len(sns) != 3 || sns[0].Status != tracker.SnapshotQuarantined || sns[1].Status != tracker.SnapshotActive {
		t.Errorf("snapshots %+v", sns)
	}
}

// cancelWriter cancels a context once it has received n lines.
type cancelWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Count(w.buf.String(), "\n") >= w.n {
		w.cancel()
	}
	return len(p), nil
}

// TestReplayInterruptedAndResumed: cancelled (Ctrl-C) after k versions,
// replay stops between versions with the summary so far; the same command
// run again continues after the last stored version, ending where one
// uninterrupted replay ends.
func TestReplayInterruptedAndResumed(t *testing.T) {
	bundle := fixtureBundle(t)
	one := newCLI(t)
	one.mustRun(0, "replay", "--list", "ofac-sdn", bundle)
	want := snapshotsOf(t, openDB(t, one.db))
	wantChanges := map[string]kindIDs{}
	for _, sn := range want {
		ch, err := openDB(t, one.db).Changes(context.Background(), sn.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantChanges[sn.ContentSHA256] = changeIDs(ch)
	}

	for _, k := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("after %d", k), func(t *testing.T) {
			c := newCLI(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// With 4 versions the plain progress writes a line per version.
			stderr := &cancelWriter{n: k, cancel: cancel}
			var stdout bytes.Buffer
			code := Run(ctx, []string{"--db", c.db, "replay", "--list", "ofac-sdn", bundle}, &stdout, stderr)
			if code != exitTrouble || !strings.Contains(stdout.String(), fmt.Sprintf("interrupted after %d of 4 versions", k)) ||
				!strings.Contains(stderr.buf.String(), "run the same command again to continue") {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.buf.String())
			}
			stored := map[int]int{1: 1, 2: 2, 3: 2}[k] // the third version is unchanged
			if n := len(snapshotsOf(t, openDB(t, c.db))); n != stored {
				t.Errorf("%d snapshots after %d versions, want %d", n, k, stored)
			}

			code, out, errOut := c.run("replay", "--list", "ofac-sdn", bundle)
			if code != exitOK || !strings.Contains(errOut, "continuing after it") {
				t.Fatalf("resumed: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			got := snapshotsOf(t, openDB(t, c.db))
			if len(got) != len(want) {
				t.Fatalf("%d snapshots after resuming, want %d", len(got), len(want))
			}
			for i, sn := range got {
				ch, err := openDB(t, c.db).Changes(context.Background(), sn.ID)
				if err != nil {
					t.Fatal(err)
				}
				if sn.PublishedAt != want[i].PublishedAt || sn.ContentSHA256 != want[i].ContentSHA256 ||
					!equalKinds(changeIDs(ch), wantChanges[sn.ContentSHA256]) {
					t.Errorf("snapshot %d: %s with %v, want %s with %v", i, sn.Label(), changeIDs(ch), want[i].Label(), wantChanges[want[i].ContentSHA256])
				}
			}
		})
	}
}

// TestReplayStopsAtBrokenVersion: a version that does not parse stops the
// replay there, naming it, after the summary of what was stored; -v tells
// what each version stored.
func TestReplayStopsAtBrokenVersion(t *testing.T) {
	bundle := bundleOf(t, []fixtureStep{
		{"2021-03-01T10:00:00+00:00", "v1.sdn.csv"},
		{"2021-03-02T10:00:00+00:00", "36,\"CUT SHORT"},
		{"2021-03-03T10:00:00+00:00", "v2.sdn.csv"},
	})
	c := newCLI(t)
	code, out, errOut := c.run("replay", "-v", "--list", "ofac-sdn", bundle)
	if code != exitTrouble {
		t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	broken := regexp.MustCompile(`tracker replay: commit [0-9a-f]{12} \(2021-03-02T10:00:00\+00:00\): ofac-sdn: parse sdn\.csv`)
	for _, want := range []string{"replayed 1 of 3 versions", "snapshots stored: 1 (#1 ofac-sdn 2021-03-01 … #1 ofac-sdn 2021-03-01)"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^commit [0-9a-f]{12} \(2021-03-01T10:00:00\+00:00\): ofac-sdn: stored snapshot #1 `).MatchString(out) {
		t.Errorf("-v did not tell what the first version stored:\n%s", out)
	}
	if !broken.MatchString(errOut) {
		t.Errorf("stderr does not name the broken version:\n%s", errOut)
	}
	if n := len(snapshotsOf(t, openDB(t, c.db))); n != 1 {
		t.Errorf("%d snapshots, want 1", n)
	}
}

func TestReplayUsage(t *testing.T) {
	c := newCLI(t)
	dir := fixtureDir(t)
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no list", []string{"replay", dir}, "Usage: tracker replay"},
		{"two sources", []string{"replay", "--list", "ofac-sdn", dir, dir}, "Usage: tracker replay"},
		{"bad date", []string{"replay", "--list", "ofac-sdn", "--from", "2021-3-1", dir}, `date "2021-3-1": want YYYY-MM-DD`},
		{"nothing in range", []string{"replay", "--list", "ofac-sdn", "--from", "2022-01-01", dir}, "no versions dated 2022-01-01 to any date"},
		{"unknown list", []string{"replay", "--list", "nope", dir}, `unknown list "nope"`},
		{"not a history", []string{"replay", "--list", "ofac-sdn", filepath.Join(replayFixtures, "v1.sdn.csv")}, "neither a directory of dated files nor a git bundle"},
	}
	for _, tc := range tests {
		code, _, errOut := c.run(tc.args...)
		if code != exitTrouble || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.name, code, errOut, tc.stderr)
		}
	}
	out := c.mustRun(0, "replay", "-h")
	for _, want := range []string{"queues no alerts", "git bundle", "Ctrl-C"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// realWindows are stretches of the real OFAC history replayed one after
// the other into one database: its start (two versions on 2021-08-20 among
// them) and the seven CYBER2 designations of 2021-11-08. Each replay clones
// the bundle (some 2.5 s of git), so there are few; TRACKER_REPLAY_FULL=1
// checks all 307 pairs instead (some minutes under -race).
var realWindows = [][2]string{{"", "2021-08-24"}, {"2021-10-29", "2021-11-10"}}

var bundleOrigin = regexp.MustCompile(`@([0-9a-f]{12}):sdn\.csv$`)

// TestReplayRealBundle replays windows of the real 308-version OFAC
// history (the whole of it is BenchmarkReplayBundle's) and checks every
// stored pair of consecutive snapshots, within and across windows, against
// the raw files, read from the bundle with git itself.
func TestReplayRealBundle(t *testing.T) {
	bundle := shareddata.Path(t, "ofac/sdn-csv-history.bundle")
	clone := filepath.Join(t.TempDir(), "clone")
	replayGit(t, "", nil, "clone", "-q", "--bare", bundle, clone)
	tmp := t.TempDir()
	raw := func(commit string) string {
		p := filepath.Join(tmp, commit+".sdn.csv")
		data, err := exec.Command("git", "-C", clone, "show", commit+":sdn.csv").Output()
		if err != nil {
			t.Fatalf("git show %s:sdn.csv: %v", commit, err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Between windows a year's delistings exceed the guards' 5% removed at
	// once, which would quarantine the next window: off here.
	windows, minPairs := realWindows, 6
	if os.Getenv("TRACKER_REPLAY_FULL") == "1" {
		windows, minPairs = [][2]string{{"", ""}}, 307
	}
	c := newCLI(t)
	cfg := writeReplayConfig(t, "lists:\n  ofac-sdn:\n    guards: {max_removed_share: 0}\n")
	for _, w := range windows {
		args := []string{"replay", "--list", "ofac-sdn"}
		if w[0] != "" {
			args = append(args, "--from", w[0])
		}
		if w[1] != "" {
			args = append(args, "--to", w[1])
		}
		c.mustRun(0, append([]string{"--config", cfg}, append(args, bundle)...)...)
	}
	st := openDB(t, c.db)
	sns := snapshotsOf(t, st)
	pairs, cyberAdded := 0, 0
	prev := ""
	for _, sn := range sns {
		if sn.Status != tracker.SnapshotActive {
			t.Fatalf("snapshot %s is %s: %s", sn.Label(), sn.Status, sn.Note)
		}
		m := bundleOrigin.FindStringSubmatch(sn.Source)
		if m == nil {
			t.Fatalf("snapshot %s: source %q names no commit", sn.Label(), sn.Source)
		}
		path := raw(m[1])
		if prev != "" {
			_, cyber := checkPair(t, st, sn, prev, path)
			pairs++
			cyberAdded += len(cyber[tracker.Added])
		}
		prev = path
	}
	if pairs < minPairs || cyberAdded == 0 {
		t.Errorf("%d pairs checked with %d cyber additions: the windows miss the history's cyber additions", pairs, cyberAdded)
	}
}

// BenchmarkReplayBundle replays the whole real OFAC history (308 versions)
// into a fresh database; the target is 60 s, and a database at most three
// times one holding only the last version (raw files aside).
func BenchmarkReplayBundle(b *testing.B) {
	bundle := shareddata.Path(b, "ofac/sdn-csv-history.bundle")
	last := shareddata.Path(b, "ofac/sdn-csv/2024-05-03.sdn.csv")
	single := newCLI(b)
	single.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", "--as-of", "2024-05-03", last)
	singleSize, singleRaw := dbSizes(b, single.db)
	for b.Loop() {
		c := newCLI(b)
		c.mustRun(0, "replay", "--list", "ofac-sdn", bundle)
		size, rawBytes := dbSizes(b, c.db)
		b.ReportMetric(float64(size), "db-bytes")
		b.ReportMetric(float64(size-rawBytes)/float64(singleSize-singleRaw), "x-single-without-raw")
		b.ReportMetric(float64(size)/float64(singleSize), "x-single")
	}
}

// dbSizes returns a closed database's size and the bytes of raw files in it.
func dbSizes(b testing.TB, path string) (size, raw int64) {
	st, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	raw, err = st.RawBytes(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	return dbBytes(path), raw
}
