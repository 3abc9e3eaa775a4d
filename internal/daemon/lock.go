package daemon

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrAlreadyRunning is returned when another daemon holds a database.
var ErrAlreadyRunning = errors.New("another tracker daemon is running on this database")

// Lock is the one-daemon-per-database lock: an exclusive flock on a file
// beside the database. The kernel drops it when the process dies, however
// it dies, so a crash never leaves a stale lock; the pid in the file is
// only for the message.
type Lock struct {
	f    *os.File
	path string
}

// LockPath is the lock file of a database.
func LockPath(db string) string { return db + ".daemon-lock" }

// AcquireLock takes the daemon lock of the database at db, or says which
// process holds it. One-shot commands do not take it: they share the
// database with the daemon through SQLite's own locking.
func AcquireLock(db string) (*Lock, error) {
	path := LockPath(db)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("daemon lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := readHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s, lock %s): stop it first, or give this one another --db", ErrAlreadyRunning, holder, path)
		}
		return nil, fmt.Errorf("daemon lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f, path: path}, nil
}

func readHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	if pid := strings.TrimSpace(string(buf[:n])); pid != "" {
		return "pid " + pid
	}
	return "pid unknown"
}

// Release gives the lock up. The file stays: removing it would race with
// a daemon that just opened it.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor drops the flock
	l.f = nil
	return err
}

// LockHolder reports whether a daemon holds the lock of the database at db
// and, if so, which process ("pid 1234"). It takes no lock and creates no
// file, so `tracker doctor` can ask while the daemon runs.
func LockHolder(db string) (held bool, holder string, err error) {
	f, err := os.Open(LockPath(db))
	if errors.Is(err, os.ErrNotExist) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("daemon lock: %w", err)
	}
	defer f.Close()
	// A shared lock is refused while the daemon holds its exclusive one.
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); {
	case errors.Is(err, syscall.EWOULDBLOCK):
		return true, readHolder(f), nil
	case err != nil:
		return false, "", fmt.Errorf("daemon lock %s: %w", LockPath(db), err)
	}
	return false, "", nil // closing f drops the shared lock
}
