package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestImportOddLocalFiles runs the real binary on files that are not list
// files: each ends quickly with exit 2 and a one-line error, no goroutine
// dump, and the database as it was.
func TestImportOddLocalFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "sdn.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.sdn.csv")
	copyFile(t, shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv"), big)
	// 64 MiB of zeros, gzip-compressed to ~64 KiB: over a 1 MiB cap once
	// decompressed.
	bomb := filepath.Join(dir, "bomb.sdn.csv.gz")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	if err := os.WriteFile(bomb, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tracker.yaml")
	if err := os.WriteFile(cfg, []byte("lists:\n  ofac-sdn:\n    max_bytes: 1MiB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "tracker.db")
	c := &cli{t: t, db: db}
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2024-03-05", shareddata.Path(t, "ofac/sdn-csv/2024-03-05.sdn.csv"))
	before := readFacts(t, db)

	tests := []struct {
		name, path, want string
	}{
		{"FIFO", fifo, "is not a regular file (a FIFO)"},
		{"/dev/zero", "/dev/zero", "is not a regular file (a device)"},
		{"directory", dir, "is not a regular file (a directory)"},
		{"over max_bytes", big, "file too large (3909739 bytes > limit 1048576 bytes)"},
		{"gzip bomb", bomb, "too large (more than 1048576 bytes after gzip decompression)"},
		{"missing", filepath.Join(dir, "nope.csv"), "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "--db", db, "--config", cfg, "import", "--list", "ofac-sdn", "--as-of", "2024-05-03", tt.path)
			cmd.Env = append(os.Environ(), envRunMain+"=1", "TRACKER_CONFIG=")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("import of %s hung (killed after %v)", tt.path, time.Since(start))
			}
			code := cmd.ProcessState.ExitCode()
			text := strings.TrimSpace(out.String())
			if code != exitTrouble || !strings.Contains(text, tt.want) || strings.Contains(text, "goroutine ") || strings.Count(text, "\n") != 0 {
				t.Errorf("exit %d (%v), output:\n%s\nwant exit 2 and one line with %q", code, err, text, tt.want)
			}
			if after := readFacts(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("the database changed")
			}
		})
	}
}
