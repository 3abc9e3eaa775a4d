// Package store keeps snapshots of sanctions lists in SQLite: entity versions
// content-addressed, memberships as validity intervals, the changes found
// when a snapshot was stored, and the delivery outbox.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/cybersanctions/tracker"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// Store is the tracker's database. It holds one writer connection, so
// writes are serialized inside the process, and a small pool of readers
// that WAL mode lets run beside the writer (the daemon and ad-hoc CLI
// commands share the file).
type Store struct {
	path string
	w    *sql.DB
	r    *sql.DB
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// busyTimeout is how long a connection waits for another process's lock
// before failing with "database is locked".
const busyTimeout = 30 * time.Second

// Open opens (creating if needed) the database at path and migrates it to
// the current schema.
func Open(ctx context.Context, path string) (*Store, error) {
	pragmas := url.Values{}
	pragmas.Set("_journal_mode", "WAL")
	pragmas.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	pragmas.Set("_foreign_keys", "on")
	pragmas.Set("_synchronous", "NORMAL")
	pragmas.Set("_txlock", "immediate") // take the write lock at BEGIN: no deadlock-prone lock upgrades

	w, err := sql.Open("sqlite3", "file:"+path+"?"+pragmas.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)

	pragmas.Set("_txlock", "deferred")
	pragmas.Set("_query_only", "1")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+pragmas.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)

	s := &Store{path: path, w: w, r: r, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

func (s *Store) migrate(ctx context.Context) error {
	migrations, err := tracker.Migrations()
	if err != nil {
		return err
	}
	// A database already at the current schema, the usual case, is only
	// read: a write transaction would wait for the daemon's lock and write
	// the header again on every command.
	var version int
	if err := s.w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database %s has schema version %d, newer than this tracker knows (%d): upgrade tracker", s.path, version, len(migrations))
	}
	if version == len(migrations) {
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		// Read again under the write lock: another process may have
		// migrated in between.
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > len(migrations) {
			return fmt.Errorf("database %s has schema version %d, newer than this tracker knows (%d): upgrade tracker", s.path, version, len(migrations))
		}
		for i := version; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
		return nil
	})
}

// writeTx runs fn in a write transaction, committing if it returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// readTx runs fn in a read transaction, so that every query in it sees one
// consistent state of the database even while a writer commits.
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	return fn(tx)
}

const timeFormat = time.RFC3339Nano

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}
