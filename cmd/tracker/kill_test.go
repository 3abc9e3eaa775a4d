package main

import (
	"database/sql"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// Environment of TestImportKilled: a seed replays a failure; more trials
// search longer.
const (
	envKillSeed   = "TRACKER_KILL_SEED"
	envKillTrials = "TRACKER_KILL_TRIALS"
)

// dbFacts is what the kill test compares of a database: per snapshot, its
// row and the rows that belong to it.
type dbFacts struct {
	snapshots   map[int64]string   // id → status, entity_count, content_sha256
	members     map[int64]int      // id → memberships whose interval covers it
	changes     map[int64]int      // id → changes rows
	deliveries  map[int64]int      // id → deliveries rows
	statuses    map[int64][]string // id → its alerts' status: pending, leased, sent
	raw         map[int64]int      // id → raw_files rows
	memberships int                // all membership rows, open or closed
	open        int                // membership rows still open
}

// readFacts opens the database as the next tracker would (recovering the
// WAL of a killed one), checks its integrity, and reads its facts.
func readFacts(t testing.TB, path string) dbFacts {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q, %v", ok, err)
	}
	rows, err := db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("foreign_key_check finds dangling references")
	}
	rows.Close()

	f := dbFacts{snapshots: map[int64]string{}, members: map[int64]int{}, changes: map[int64]int{},
		deliveries: map[int64]int{}, statuses: map[int64][]string{}, raw: map[int64]int{}}
	query := func(q string, scan func(*sql.Rows) error) {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	var n int
	query(`SELECT id, status || ' ' || entity_count || ' ' || content_sha256 FROM snapshots`, func(r *sql.Rows) error {
		var s string
		err := r.Scan(&id, &s)
		f.snapshots[id] = s
		return err
	})
	// A snapshot's members: the intervals [from, to) of its list that hold it.
	query(`SELECT s.id, count(m.entity_id) FROM snapshots s LEFT JOIN memberships m
		ON m.list = s.list AND m.from_snapshot <= s.id AND (m.to_snapshot IS NULL OR m.to_snapshot > s.id)
		WHERE s.status = 'active' GROUP BY s.id`, func(r *sql.Rows) error {
		err := r.Scan(&id, &n)
		f.members[id] = n
		return err
	})
	count := func(table string, into map[int64]int) {
		query(`SELECT snapshot_id, count(*) FROM `+table+` WHERE snapshot_id IS NOT NULL GROUP BY snapshot_id`, func(r *sql.Rows) error {
			err := r.Scan(&id, &n)
			into[id] = n
			return err
		})
	}
	count("changes", f.changes)
	count("deliveries", f.deliveries)
	count("raw_files", f.raw)
	// A pending alert whose next attempt lies ahead is leased: a killed
	// sender's lease that runs out before the next run resumes it.
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
	query(`SELECT snapshot_id, CASE WHEN status = 'pending' AND next_attempt_at > '`+now+`' THEN 'leased' ELSE status END
		FROM deliveries WHERE snapshot_id IS NOT NULL ORDER BY id`, func(r *sql.Rows) error {
		var s string
		err := r.Scan(&id, &s)
		f.statuses[id] = append(f.statuses[id], s)
		return err
	})
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE to_snapshot IS NULL) FROM memberships`).Scan(&f.memberships, &f.open); err != nil {
		t.Fatal(err)
	}
	return f
}

// entityCount reads a snapshot row's entity_count back from its facts.
func entityCount(t testing.TB, row string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.Fields(row)[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestImportKilled kills a real `tracker import` with SIGKILL at random
// points of its run. After each kill the database must pass integrity_check
// and hold either exactly the snapshots it held before, or those and the
// complete new one: its memberships as many as its entities, its changes
// and its alerts present with it and only with it. Running the import again
// must then succeed and leave the same database as an import never killed.
func TestImportKilled(t *testing.T) {
	dir := filepath.Join(shareddata.Dir(t), "ofac", "sdn-csv")
	newFile := filepath.Join(dir, "2021-11-08.sdn.csv")
	newLines, _ := rawSDN(t, newFile)
	tmp := t.TempDir()

	// The old snapshot set: two publications, the second with alerts.
	c := newCLI(t)
	c.db = filepath.Join(tmp, "base.db")
	for _, day := range []string{"2021-09-21", "2021-10-29"} {
		c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", day, filepath.Join(dir, day+".sdn.csv"))
	}
	base := readFacts(t, c.db)
	if len(base.snapshots) != 2 {
		t.Fatalf("base: %d snapshots", len(base.snapshots))
	}
	for id, row := range base.snapshots {
		if base.members[id] != entityCount(t, row) {
			t.Fatalf("base snapshot %d: %d members, entity_count %d", id, base.members[id], entityCount(t, row))
		}
	}

	importArgs := func(db string) []string {
		return []string{"--db", db, "import", "--list", "ofac-sdn", "--as-of", "2021-11-08", newFile}
	}
	fresh := func(name string) string {
		db := filepath.Join(tmp, name+".db")
		copyFile(t, c.db, db)
		return db
	}

	// An import never killed: how long one takes, and what it stores.
	refDB := fresh("ref")
	start := time.Now()
	cmd, out := startChild(t, nil, importArgs(refDB)...)
	if code, _ := waitExit(t, cmd, time.Minute); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	took := time.Since(start)
	ref := readFacts(t, refDB)
	var newID int64
	for id := range ref.snapshots {
		if _, old := base.snapshots[id]; !old {
			newID = id
		}
	}
	if len(ref.snapshots) != 3 || entityCount(t, ref.snapshots[newID]) != len(newLines) || ref.members[newID] != len(newLines) ||
		ref.changes[newID] == 0 || ref.deliveries[newID] == 0 {
		t.Fatalf("the import stored %v: snapshot %d with %d members, %d changes, %d deliveries; want %d entities, with changes and an alert",
			ref.snapshots, newID, ref.members[newID], ref.changes[newID], ref.deliveries[newID], len(newLines))
	}
	t.Logf("an import takes %v", took)

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envKillSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s: %v", envKillSeed, err)
		}
	}
	trials := 5
	if s := os.Getenv(envKillTrials); s != "" {
		trials, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay: %s=%d)", seed, envKillSeed, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	outcomes := map[string]int{}
	for i := range trials {
		db := fresh(fmt.Sprintf("trial%d", i))
		// Up to half again the measured time: an import may take longer
		// than the one measured, and its commit comes near the end. A
		// fraction of it, so that a seed replays the same points.
		delay := time.Duration(rng.Float64() * 1.5 * float64(took))
		cmd, out := startChild(t, nil, importArgs(db)...)
		time.Sleep(delay)
		cmd.Process.Kill() // SIGKILL: no deferred function, no rollback, no close
		cmd.Wait()
		killed := cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled()
		if !killed && cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("trial %d: exit %d before the kill\n%s", i, cmd.ProcessState.ExitCode(), out)
		}

		got := readFacts(t, db)
		outcome := "old set"
		if len(got.snapshots) != len(base.snapshots) {
			outcome = "old set plus the new snapshot"
		}
		if !killed {
			outcome = "finished before the kill"
		}
		outcomes[outcome]++
		t.Logf("trial %d: SIGKILL after %v: %s", i, delay, outcome)
		checkKilled(t, i, base, ref, got, newID)

		// The next import finishes the job.
		cmd, out = startChild(t, nil, importArgs(db)...)
		if code, _ := waitExit(t, cmd, time.Minute); code != 0 {
			t.Fatalf("trial %d: the import after the kill: exit %d\n%s", i, code, out)
		}
		again := readFacts(t, db)
		if !maps.Equal(again.snapshots, ref.snapshots) || !maps.Equal(again.members, ref.members) || !maps.Equal(again.changes, ref.changes) ||
			!maps.Equal(again.deliveries, ref.deliveries) || !maps.Equal(again.raw, ref.raw) ||
			again.memberships != ref.memberships || again.open != ref.open {
			t.Errorf("trial %d: after the import ran again the database differs from one never killed:\n got %+v\nwant %+v", i, again, ref)
		}
		// Sent, or still leased by the killed process until its lease runs
		// out; never left pending and due by a run that could send it.
		for id, st := range again.statuses {
			if slices.Contains(st, "pending") {
				t.Errorf("trial %d: snapshot %d's alerts still pending after the import ran again: %v", i, id, st)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// checkKilled: a killed import left either base or base plus the whole new
// snapshot that ref shows.
func checkKilled(t testing.TB, trial int, base, ref, got dbFacts, newID int64) {
	t.Helper()
	for id, row := range base.snapshots {
		if got.snapshots[id] != row {
			t.Errorf("trial %d: old snapshot %d is now %q, was %q", trial, id, got.snapshots[id], row)
		}
		if got.members[id] != base.members[id] || got.changes[id] != base.changes[id] || got.deliveries[id] != base.deliveries[id] || got.raw[id] != base.raw[id] {
			t.Errorf("trial %d: old snapshot %d's rows changed", trial, id)
		}
	}
	switch len(got.snapshots) {
	case len(base.snapshots):
		// Nothing of the new snapshot may remain.
		if got.memberships != base.memberships || got.open != base.open {
			t.Errorf("trial %d: no new snapshot, but %d membership rows (%d open), was %d (%d open)",
				trial, got.memberships, got.open, base.memberships, base.open)
		}
		if !maps.Equal(got.changes, base.changes) || !maps.Equal(got.deliveries, base.deliveries) || !maps.Equal(got.raw, base.raw) {
			t.Errorf("trial %d: no new snapshot, but rows of one: changes %v, deliveries %v, raw files %v", trial, got.changes, got.deliveries, got.raw)
		}
	case len(base.snapshots) + 1:
		row := got.snapshots[newID]
		if row != ref.snapshots[newID] {
			t.Fatalf("trial %d: new snapshot %q, want %q", trial, row, ref.snapshots[newID])
		}
		if got.members[newID] != entityCount(t, row) {
			t.Errorf("trial %d: new snapshot has %d members, entity_count %d", trial, got.members[newID], entityCount(t, row))
		}
		if got.changes[newID] != ref.changes[newID] || got.deliveries[newID] != ref.deliveries[newID] || got.raw[newID] != ref.raw[newID] {
			t.Errorf("trial %d: new snapshot with %d changes, %d deliveries, %d raw files; want %d, %d, %d",
				trial, got.changes[newID], got.deliveries[newID], got.raw[newID], ref.changes[newID], ref.deliveries[newID], ref.raw[newID])
		}
		if got.memberships != ref.memberships || got.open != ref.open {
			t.Errorf("trial %d: %d membership rows (%d open), want %d (%d open)", trial, got.memberships, got.open, ref.memberships, ref.open)
		}
		// An alert is pending (the kill came before it was sent), leased
		// (the kill came while it was being sent) or sent.
		for _, st := range got.statuses[newID] {
			if st != "pending" && st != "leased" && st != "sent" {
				t.Errorf("trial %d: an alert of the new snapshot is %s", trial, st)
			}
		}
	default:
		t.Errorf("trial %d: snapshots %v", trial, got.snapshots)
	}
}
