package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
)

// Backup writes a consistent copy of the database to path, which must not
// exist, and returns its size. It reads through a read-only connection of
// its own, so the daemon keeps writing meanwhile; the copy is vacuumed.
func (s *Store) Backup(ctx context.Context, path string) (int64, error) {
	// VACUUM INTO refuses a non-empty file but would write into an empty
	// one; refuse any existing file so that a typo never clobbers anything.
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("backup to %s: file exists; refusing to overwrite it", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	// Not a pooled reader: their query_only pragma forbids VACUUM INTO,
	// which a connection opened read-only allows.
	pragmas := url.Values{}
	pragmas.Set("mode", "ro")
	pragmas.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	db, err := sql.Open("sqlite3", "file:"+s.path+"?"+pragmas.Encode())
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	return fi.Size(), nil
}
