// Package shareddata locates the published list files in ../shared/data that
// tests and benchmarks run on. They sit beside the checkout, not inside it.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvDir overrides where the shared data is looked for.
const EnvDir = "TRACKER_SHARED_DATA"

// Dir returns the shared data directory. In CI (CI set) a missing directory
// fails the test with a clear message; elsewhere the test is skipped.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := find()
	if err == nil {
		return dir
	}
	msg := "shared list files not found: " + err.Error() +
		" (expected ../shared/data beside the checkout, or $" + EnvDir + ")"
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Path returns a file below the shared data directory, failing or skipping
// as Dir does, and failing if that file is missing.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared data file: %v", err)
	}
	return p
}

func find() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if _, err := os.Stat(d); err != nil {
			return "", err
		}
		return d, nil
	}
	// Walk up from the test's working directory to the module root (go.mod),
	// then look beside it.
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared", "data")
			if _, err := os.Stat(d); err != nil {
				return "", err
			}
			return d, nil
		}
		if filepath.Dir(dir) == dir {
			return "", os.ErrNotExist
		}
	}
}
