package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/store"
)

// sqliteExec makes a database file the way another program would.
func sqliteExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func pragmaInt(t *testing.T, path, pragma string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int64
	if err := db.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDatabaseFileChecks runs the CLI on files that are not, or not yet,
// tracker databases: ours are marked and accepted, others refused with a
// line that says why, and left as they were.
func TestDatabaseFileChecks(t *testing.T) {
	migrations, err := tracker.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string) string // returns the --db path
		wantErr string                                // "" for success
		wantID  int64                                 // application_id afterwards (checked on success)
	}{
		{"new database", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "tracker.db")
		}, "", store.ApplicationID},
		{"empty file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tracker.db")
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "", store.ApplicationID},
		{"tracker database from before application_id", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "old.db")
			stmts := append([]string{}, migrations...)
			stmts = append(stmts, fmt.Sprintf("PRAGMA user_version = %d", len(migrations)))
			sqliteExec(t, p, stmts...)
			return p
		}, "", store.ApplicationID},
		{"foreign SQLite database", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "photos.db")
			sqliteExec(t, p, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO photos VALUES (1, 'cat.jpg')")
			return p
		}, "is not a tracker database (it has other tables): refusing to add ours; check --db", 0},
		{"foreign SQLite database with its own application_id", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "fossil.db")
			sqliteExec(t, p, "PRAGMA application_id = 252006673")
			return p
		}, "belongs to another application (application_id 0xf055111): refusing to touch it; check --db", 0},
		{"not a SQLite file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "notes.txt")
			if err := os.WriteFile(p, []byte("shopping list: milk, eggs, and a very long line of text\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "not a SQLite database (refusing to touch it; check --db)", 0},
		{"directory does not exist", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing", "tracker.db")
		}, "directory " + "DIR/missing does not exist", 0},
		{"a directory given as database", func(t *testing.T, dir string) string {
			return dir
		}, "is a directory", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TRACKER_CONFIG", "")
			dir := t.TempDir()
			path := tt.prepare(t, dir)
			var before []byte
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
				before, _ = os.ReadFile(path)
			}
			c := &cli{t: t, db: path}
			code, _, stderr := c.run("snapshots")
			if tt.wantErr == "" {
				if code != 0 {
					t.Fatalf("exit %d, stderr %s", code, stderr)
				}
				if id := pragmaInt(t, path, "application_id"); id != tt.wantID {
					t.Errorf("application_id = %#x, want %#x", id, tt.wantID)
				}
				if v := pragmaInt(t, path, "user_version"); v != int64(len(migrations)) {
					t.Errorf("user_version = %d, want %d", v, len(migrations))
				}
				return
			}
			want := strings.ReplaceAll(tt.wantErr, "DIR", dir)
			if code == 0 || !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want one line containing %q", code, stderr, want)
			}
			if before != nil {
				if after, _ := os.ReadFile(path); string(after) != string(before) {
					t.Error("file changed although refused")
				}
			}
		})
	}
}
