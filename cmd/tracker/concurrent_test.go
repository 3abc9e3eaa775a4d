package main

import (
	"bytes"
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestDiffDuringImports: 50 `tracker diff` and `tracker snapshots` runs at
// a time, each opening the database as a command does, while imports in
// processes of their own (as the daemon and an ad-hoc import would be)
// write large snapshots of two lists and commit. No reader may fail: not
// with "database is locked", not with anything else.
func TestDiffDuringImports(t *testing.T) {
	data := shareddata.Dir(t)
	c := newCLI(t)
	// The list the diffs compare: two publications of the UK list.
	for _, day := range []string{"2023-06-05", "2025-04-10"} {
		c.mustRun(0, "import", "--list", "uk-sanctions-list", filepath.Join(data, "uk", "fcdo", day+".UK-Sanctions-List.xml"))
	}
	// The writers: two OFAC publications of 17 000 entries, one after the
	// other (the second with changes and alerts to queue), and beside them
	// the EU list.
	imports := [][][]string{
		{
			{"import", "--list", "ofac-sdn", "--as-of", "2024-03-04", filepath.Join(data, "ofac", "sdn-csv", "2024-03-04.sdn.csv")},
			{"import", "--list", "ofac-sdn", "--as-of", "2024-05-03", filepath.Join(data, "ofac", "sdn-csv", "2024-05-03.sdn.csv")},
		},
		{
			{"import", "--list", "eu-fsf", filepath.Join(data, "eu", "fsf", "2020-07-29.xml")},
			{"import", "--list", "eu-fsf", filepath.Join(data, "eu", "fsf", "2020-11-20.xml")},
		},
	}

	var writing sync.WaitGroup
	var writeErr sync.Map // args → output of a failed import
	for _, seq := range imports {
		writing.Add(1)
		go func() {
			defer writing.Done()
			for _, args := range seq {
				cmd, out := startChild(t, nil, append([]string{"--db", c.db}, args...)...)
				if err := cmd.Wait(); err != nil {
					writeErr.Store(strings.Join(args, " "), err.Error()+"\n"+out.String())
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { writing.Wait(); close(done) }()

	const readers = 50
	var runs, fails atomic.Int64
	var mu sync.Mutex
	var failures []string
	seen := map[int]bool{} // how many ofac-sdn snapshots the reads saw
	var reading sync.WaitGroup
	for i := range readers {
		reading.Add(1)
		go func() {
			defer reading.Done()
			for n := 0; ; n++ {
				args := []string{"--db", c.db, "diff", "--list", "uk-sanctions-list", "--format", "json"}
				if (i+n)%3 == 2 {
					// The list being written, read as it commits.
					args = []string{"--db", c.db, "snapshots", "--list", "ofac-sdn"}
				}
				var out, errOut bytes.Buffer
				code := Run(context.Background(), args, &out, &errOut)
				runs.Add(1)
				if args[2] == "snapshots" && code == exitOK {
					mu.Lock()
					seen[strings.Count(out.String(), " ofac-sdn ")] = true
					mu.Unlock()
				}
				// diff exits 1 for changes; 2 is trouble.
				if code == exitTrouble || (code != exitOK && args[2] != "diff") {
					fails.Add(1)
					mu.Lock()
					failures = append(failures, strings.Join(args[2:], " ")+": exit "+strconv.Itoa(code)+": "+errOut.String())
					mu.Unlock()
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	start := time.Now()
	reading.Wait()
	t.Logf("%d reads by %d readers in %v while 4 imports committed; they saw ofac-sdn with %v snapshots",
		runs.Load(), readers, time.Since(start).Round(time.Millisecond), slices.Sorted(maps.Keys(seen)))
	if len(seen) < 2 {
		t.Errorf("the reads saw ofac-sdn only with %v snapshots: they did not overlap a commit", slices.Sorted(maps.Keys(seen)))
	}
	writeErr.Range(func(k, v any) bool {
		t.Errorf("import %s failed:\n%s", k, v)
		return true
	})
	for i, f := range failures {
		if i == 10 {
			t.Errorf("… and %d more", len(failures)-10)
			break
		}
		t.Errorf("%s", f)
	}
	if fails.Load() > 0 {
		t.Errorf("%d of %d reads failed", fails.Load(), runs.Load())
	}

	// The imports all landed: 2 + 2 snapshots beside the UK list's 2.
	st := openDB(t, c.db)
	for list, want := range map[string]int{"ofac-sdn": 2, "eu-fsf": 2, "uk-sanctions-list": 2} {
		if snaps, err := st.Snapshots(context.Background(), list); err != nil || len(snaps) != want {
			t.Errorf("%s: %d snapshots (%v), want %d", list, len(snaps), err, want)
		}
	}
}
