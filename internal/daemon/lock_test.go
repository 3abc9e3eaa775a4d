package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLockOneDaemonPerDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracker.db")
	first, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file description, so a second open in
	// the same process conflicts just as another process would.
	_, err = AcquireLock(db)
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second lock: err = %v, want ErrAlreadyRunning", err)
	}
	for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), LockPath(db)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := AcquireLock(filepath.Join(t.TempDir(), "other.db")); err != nil {
		t.Errorf("a daemon on another database: %v", err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := AcquireLock(db)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}
