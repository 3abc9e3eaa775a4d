package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestReadCommandsWithoutWriteAccess runs the read-only commands as a user
// who may read the database but not write to its directory. Root ignores
// file permissions, so the test runs the tracker as a real child process
// under uid/gid 65534 (nobody); it needs root to do that and is skipped
// otherwise.
func TestReadCommandsWithoutWriteAccess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the child as another user")
	}
	// Directories nobody can enter but not write: the data, and a copy of
	// the test binary (go test's build directory is private).
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(base, "tracker.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	dbDir := filepath.Join(base, "state")
	if err := os.Mkdir(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, db: filepath.Join(dbDir, "tracker.db")}
	t.Setenv("TRACKER_CONFIG", "")
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"))
	if err := os.Chmod(c.db, 0o644); err != nil {
		t.Fatal(err)
	}
	asNobody := func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--db", c.db}, args...)...)
		cmd.Env = []string{envRunMain + "=1", "TRACKER_CONFIG=", "HOME=/nonexistent", "PATH=/usr/bin:/bin"}
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String()
	}
	// The child really lacks write access, or the test proves nothing.
	if code, out := asNobody("import", "--no-notify", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml")); code == 0 {
		t.Fatalf("import as nobody succeeded: %s", out)
	}

	// A new database where nobody may not write: the reason, not ENOENT.
	newDB := filepath.Join(dbDir, "new.db")
	cmd := exec.Command(bin, "--db", newDB, "import", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
	cmd.Env = []string{envRunMain + "=1", "TRACKER_CONFIG="}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, _ := cmd.CombinedOutput(); !strings.Contains(string(out), "directory "+dbDir+" is not writable, so the database cannot be created there") {
		t.Errorf("new database in an unwritable directory: %s", out)
	}

	check := func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			code int    // diff exits 1 when there are changes, like diff(1)
			want string // in the output
		}{
			{[]string{"snapshots"}, 0, "ofac-sdn"},
			{[]string{"diff", "--list", "ofac-sdn"}, 1, "9900005 GRINEX"},
			{[]string{"history", "--list", "ofac-sdn", "9900005"}, 0, "GRINEX"},
			{[]string{"outbox"}, 0, "pending"},
		} {
			code, out := asNobody(tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("tracker %s as nobody: exit %d (want %d), output lacks %q:\n%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out)
			}
		}
	}
	t.Run("closed database", func(t *testing.T) {
		for _, suffix := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(c.db + suffix); err == nil {
				t.Fatalf("%s left behind after the last close", suffix)
			}
		}
		check(t)
	})
	t.Run("while the daemon has it open", func(t *testing.T) {
		st, err := store.Open(context.Background(), c.db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Deliveries(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(c.db + "-shm"); err != nil {
			t.Fatalf("no -shm while open: %v", err)
		}
		check(t)
	})
}
