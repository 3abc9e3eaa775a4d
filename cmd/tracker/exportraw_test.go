package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestExportRawRealHistory imports the 14 real sdn.csv versions in order
// and gives every one back byte for byte; then damages one version in the
// middle and checks that export-raw and --verify name it with every
// snapshot whose files need it, in one line.
func TestExportRawRealHistory(t *testing.T) {
	c := newCLI(t)
	paths, err := filepath.Glob(filepath.Join(shareddata.Dir(t), "ofac", "sdn-csv", "*.sdn.csv"))
	if err != nil || len(paths) != 14 {
		t.Fatalf("want the 14 real sdn.csv versions, found %d (%v)", len(paths), err)
	}
	for _, p := range paths {
		c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", strings.TrimSuffix(filepath.Base(p), ".sdn.csv"), p)
	}
	for i, p := range paths {
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "out")
		c.mustRun(0, "export-raw", fmt.Sprint(i+1), dir)
		got, err := os.ReadFile(filepath.Join(dir, filepath.Base(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("snapshot %d: %d bytes exported (%v), want the %d bytes of %s", i+1, len(got), err, len(want), filepath.Base(p))
		}
	}
	if out := c.mustRun(0, "export-raw", "--verify"); !strings.Contains(out, "every stored raw file") {
		t.Errorf("--verify of a sound archive: %q", out)
	}

	db, err := sql.Open("sqlite3", "file:"+c.db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`UPDATE raw_files SET data = x'28b52ffd00' || substr(data, 6) WHERE snapshot_id = 10`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"the damaged snapshot", []string{"export-raw", "10", filepath.Join(t.TempDir(), "a")}},
		{"a later one through it", []string{"export-raw", "14", filepath.Join(t.TempDir(), "b")}},
		{"verify", []string{"export-raw", "--verify"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := c.run(tt.args...)
			if code != exitTrouble || !strings.Contains(stderr, "snapshot 10") || !strings.Contains(stderr, "snapshots affected: 10-14") {
				t.Errorf("exit %d, stderr %q; want exit %d naming snapshot 10's sdn.csv and snapshots 10-14", code, stderr, exitTrouble)
			}
			if first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n"); !strings.Contains(first, "10-14") {
				t.Errorf("the damage is not said in one line: %q", stderr)
			}
		})
	}
	// Snapshots before the damage still export.
	c.mustRun(0, "export-raw", "9", filepath.Join(t.TempDir(), "c"))
}
