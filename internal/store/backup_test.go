package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackup(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT"))
	save(t, s, "2024-02-01", ents("1=ALPHA/CYBER2", "3=CHARLIE/CYBER2"))

	// A writer holding the write lock does not block the backup: it reads
	// the last committed state.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO snapshots (list, fetched_at, source, raw_sha256, content_sha256, entity_count) VALUES ('x', '', '', '', '', 0)`); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "backup.db")
	size, err := s.Backup(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != size || size == 0 {
		t.Fatalf("backup size %d, file %v %v", size, fi, err)
	}

	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	snaps, err := b.Snapshots(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 {
		t.Errorf("backup holds %d snapshots, want the 2 committed ones", len(snaps))
	}
	latest, err := b.Latest(ctx, "ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	es, err := b.Entities(ctx, latest)
	if err != nil || len(es) != 2 || es[1].Name != "CHARLIE" {
		t.Errorf("backup's latest entities: %v %v", ids(es), err)
	}

	// Existing files, even empty ones, are never overwritten.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, empty} {
		before, _ := os.ReadFile(p)
		if _, err := s.Backup(ctx, p); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
			t.Errorf("backup onto existing %s: err %v", filepath.Base(p), err)
		}
		after, _ := os.ReadFile(p)
		if string(before) != string(after) {
			t.Errorf("%s changed", filepath.Base(p))
		}
	}
}
