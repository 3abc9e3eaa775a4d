// Package store keeps snapshots of sanctions lists in SQLite: entity versions
// content-addressed, memberships as validity intervals, the changes found
// when a snapshot was stored, and the delivery outbox.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cybersanctions/tracker"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// writerDriver is SQLite as the writer connection sets it up:
//
//   - A new database gets 8 KiB pages (newPageSize) before it is put in
//     WAL mode, after which its page size is fixed; an existing one keeps
//     its own, and the pragma does nothing to it.
//   - Temporary files are in memory. A multi-row INSERT inside a
//     transaction keeps a statement journal (the pages it changed, to undo
//     the statement alone on a constraint error): in a file, a first OFAC
//     snapshot wrote 40 MB of it to /var/tmp in 20,000 small writes, a
//     third of the import's system time. In memory it holds one
//     statement's pages at a time.
const writerDriver = "sqlite3-tracker-writer"

// newPageSize is the page size of a new database. Every page is written
// twice, to the WAL and then by the checkpoint, each a system call or
// two: 8 KiB pages halve the calls. A first OFAC import took 0.141 ->
// 0.131 s (medians of 11 interleaved runs), its database 8.36 -> 8.29 MB,
// the 308-version replay's 18.0 -> 17.5 MB; every other import case was
// as fast or faster. 16 KiB pages were no faster than 8 and took the
// first import's peak RSS past 60 MB.
const newPageSize = 8192

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			writerConns.Add(1)
			for _, pragma := range []string{
				fmt.Sprintf("PRAGMA page_size = %d", newPageSize),
				"PRAGMA journal_mode = WAL",
				"PRAGMA temp_store = MEMORY",
			} {
				if _, err := c.Exec(pragma, nil); err != nil {
					return fmt.Errorf("%s: %w", pragma, err)
				}
			}
			return nil
		},
	})
}

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
	// Authority names who designates on a list ("US" for ofac-sdn and
	// ofac-consolidated): NotListedBy names authorities, and a list of
	// the entry's own authority is not "another list". Nil: each list is
	// its own authority.
	Authority func(list string) string
	// lastRaw holds the raw files this Store last wrote: the bases of the
	// list's next publication.
	lastRaw rawCache
	// open holds the open memberships of the snapshot this Store last
	// stored: where the list's next snapshot starts.
	open openCache
	// hashes holds the entity hashes of the last snapshot of a list
	// parsed by a remembering parser.
	hashes hashMemo
}

// busyTimeout is how long a connection waits for another process's lock
// before failing with "database is locked".
const busyTimeout = 30 * time.Second

// Open opens (creating if needed) the database at path and migrates it to
// the current schema.
func Open(ctx context.Context, path string) (*Store, error) {
	exists, err := checkFile(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if exists {
		// Look before opening in WAL mode: that alone rewrites the header
		// of someone else's database.
		if err := checkOwnerOf(ctx, path); err != nil {
			return nil, err
		}
	}
	// The writer sets WAL mode itself, after the page size (writerDriver);
	// the readers' DSN asks for it.
	pragmas := url.Values{}
	pragmas.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	pragmas.Set("_foreign_keys", "on")
	pragmas.Set("_synchronous", "NORMAL")
	pragmas.Set("_txlock", "immediate") // take the write lock at BEGIN: no deadlock-prone lock upgrades

	w, err := sql.Open(writerDriver, "file:"+path+"?"+pragmas.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)

	pragmas.Set("_journal_mode", "WAL")
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

// OpenToRead opens the database for a command that only reads it. Such
// commands work for a user who may read the database but not write to its
// directory: Open is used when it can work (it also migrates an older
// schema), OpenReadOnly otherwise.
func OpenToRead(ctx context.Context, path string) (*Store, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) ||
		syscall.Access(filepath.Dir(path), wOK) == nil && syscall.Access(path, wOK) == nil {
		return Open(ctx, path)
	}
	return OpenReadOnly(ctx, path)
}

// OpenReadOnly opens an existing database for reading only, for the
// commands that only read (snapshots, diff, history, outbox) run by a user
// who may not write to the database's directory. SQLite in WAL mode needs
// the -shm file: when it exists and is readable, a read-only connection
// uses it and sees what a running daemon commits. When neither -wal nor
// -shm exists, no writer has the database open (the last one to close
// removes them), and the file alone is the whole database: it is opened
// as immutable, since SQLite could not create the -shm. A -wal without its
// -shm holds commits not yet in the file; reading past them would show an
// old state, so that is refused.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	exists, err := checkFile(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !exists {
		return nil, fmt.Errorf("open database %s: no database there yet (nothing to read)", path)
	}
	params := url.Values{}
	params.Set("mode", "ro")
	params.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	params.Set("_query_only", "1")
	_, walErr := os.Stat(path + "-wal")
	_, shmErr := os.Stat(path + "-shm")
	dirWritable := syscall.Access(filepath.Dir(path), wOK) == nil
	switch {
	case shmErr == nil || dirWritable:
		// SQLite reads the -shm read-only, or may create it.
	case walErr == nil:
		return nil, fmt.Errorf("open database %s: it has a -wal file but no -shm, and directory %s is not writable: run a tracker command with write access once to check the log into the database", path, filepath.Dir(path))
	default:
		params.Set("immutable", "1")
	}
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	var version int
	if err := r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		r.Close()
		return nil, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if _, err := checkOwner(ctx, r, path, version); err != nil {
		r.Close()
		return nil, err
	}
	migrations, err := tracker.Migrations()
	if err != nil {
		r.Close()
		return nil, err
	}
	if version != len(migrations) {
		r.Close()
		return nil, fmt.Errorf("database %s has schema version %d, this tracker needs %d: run a tracker command with write access to migrate it", path, version, len(migrations))
	}
	// Writes through w fail: the connection is read-only.
	return &Store{path: path, w: r, r: r, Now: time.Now}, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if s.w == s.r {
		return s.r.Close()
	}
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
	marked, err := checkOwner(ctx, s.w, s.path, version)
	if err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("database %s has schema version %d, newer than this tracker knows (%d): upgrade tracker", s.path, version, len(migrations))
	}
	if version == len(migrations) && marked {
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
		// SQL cannot write zstd: raw files an older schema kept as gzip
		// are re-encoded here, in the migration's transaction, so the
		// database is never left half converted.
		if err := convertGzipRaw(ctx, tx); err != nil {
			return err
		}
		if err := convertLinkKeys(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, ApplicationID)); err != nil {
			return fmt.Errorf("set application id: %w", err)
		}
		return nil
	})
}

// ApplicationID marks a SQLite file as a tracker database (PRAGMA
// application_id, bytes 68-71 of the header): "TRKR" in ASCII. It lets
// Open refuse another program's database instead of adding our tables to
// it, and lets file(1)-style tools tell what the file is.
const ApplicationID = 0x54524B52

// wOK is access(2)'s W_OK, which package syscall does not name.
const wOK = 2

// sqliteMagic starts every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// checkFile says in plain words why path cannot be a database before
// SQLite answers with a bare "unable to open database file" or "no such
// file or directory".
// It reports whether path holds a non-empty SQLite file.
func checkFile(path string) (bool, error) {
	f, err := os.Open(path)
	switch {
	case err == nil:
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return false, err
		}
		if fi.IsDir() {
			return false, errors.New("is a directory")
		}
		if !fi.Mode().IsRegular() {
			return false, errors.New("not a regular file")
		}
		if fi.Size() == 0 {
			return false, nil // SQLite treats an empty file as a new database
		}
		head := make([]byte, len(sqliteMagic))
		if _, err := io.ReadFull(f, head); err != nil || string(head) != sqliteMagic {
			return false, errors.New("not a SQLite database (refusing to touch it; check --db)")
		}
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		fi, derr := os.Stat(dir)
		switch {
		case errors.Is(derr, fs.ErrNotExist):
			return false, fmt.Errorf("directory %s does not exist", dir)
		case derr != nil:
			return false, derr
		case !fi.IsDir():
			return false, fmt.Errorf("%s is not a directory", dir)
		}
		if syscall.Access(dir, wOK) != nil {
			return false, fmt.Errorf("directory %s is not writable, so the database cannot be created there", dir)
		}
		return false, nil
	case errors.Is(err, fs.ErrPermission):
		return false, errors.New("no permission to read the file")
	default:
		return false, err
	}
}

// checkOwnerOf runs checkOwner on a read-only connection of its own, which
// leaves the file's journal mode and header alone.
func checkOwnerOf(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout="+fmt.Sprint(busyTimeout.Milliseconds()))
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version of %s: %w", path, err)
	}
	_, err = checkOwner(ctx, db, path, version)
	return err
}

// checkOwner refuses a SQLite database that is not ours and reports
// whether it already carries our application_id. A database without the
// mark is ours from before the mark existed when it has a schema version
// and our tables; one with no tables at all is new.
func checkOwner(ctx context.Context, db *sql.DB, path string, version int) (marked bool, err error) {
	var id int64
	if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&id); err != nil {
		return false, fmt.Errorf("read application id of %s: %w", path, err)
	}
	if id == ApplicationID {
		return true, nil
	}
	if id != 0 {
		return false, fmt.Errorf("database %s belongs to another application (application_id %#x): refusing to touch it; check --db", path, uint32(id))
	}
	var objects, ours int
	if err := db.QueryRowContext(ctx,
		`SELECT count(*), count(*) FILTER (WHERE type = 'table' AND name IN ('snapshots', 'entity_versions', 'memberships', 'deliveries')) FROM sqlite_master`,
	).Scan(&objects, &ours); err != nil {
		return false, fmt.Errorf("read schema of %s: %w", path, err)
	}
	if objects == 0 && version == 0 {
		return false, nil // new database
	}
	if version > 0 && ours == 4 {
		return false, nil // ours, from before application_id
	}
	return false, fmt.Errorf("database %s is not a tracker database (it has other tables): refusing to add ours; check --db", path)
}

// writeTx runs fn in a write transaction, committing if it returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.countedWriteTx(ctx, func(tx *sql.Tx, _ uint64) error { return fn(tx) })
}

// countedWriteTx is writeTx that also gives fn the transaction's number
// among this Store's write transactions. The one writer connection makes
// them run one at a time, so the number is counted once the transaction
// has begun: it is their order.
func (s *Store) countedWriteTx(ctx context.Context, fn func(tx *sql.Tx, n uint64) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx, s.open.writes.Add(1)); err != nil {
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

// utcOrZero keeps a zero time zero (UTC() of it is not IsZero-safe to print).
func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}
