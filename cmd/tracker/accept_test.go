package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

// keepLines writes the first n records of a real sdn.csv (CRLF lines),
// then its EOF byte: a publication that lost most of its entries but is
// otherwise well formed, the kind no parser can reject.
func keepLines(t *testing.T, src, dst string, n int) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\r\n"))
	out := bytes.Join(lines[:n], nil)
	if err := os.WriteFile(dst, append(out, 0x1a), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestQuarantineAcceptExportRaw follows a broken publication through the
// CLI: quarantined on import with one operator notice and no alerts,
// invisible to diff, reviewed and accepted by a person, its raw file
// exported back byte for byte.
func TestQuarantineAcceptExportRaw(t *testing.T) {
	c := newCLI(t)
	prev := shareddata.Path(t, "ofac/sdn-csv/2024-03-05.sdn.csv")
	next := shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv")
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2024-03-05", prev)
	cut := filepath.Join(t.TempDir(), "sdn.csv")
	keepLines(t, next, cut, 1500) // 10% of 14,965

	out := c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2024-05-03", cut)
	if !strings.Contains(out, "QUARANTINED snapshot #2") || !strings.Contains(out, "1500 entities") {
		t.Errorf("import of the cut file:\n%s\nwant it quarantined as #2 with 1500 entities", out)
	}
	// One operator notice, no designation alerts.
	if got := strings.Count(out, "was quarantined as snapshot #2"); got != 1 {
		t.Errorf("operator notices = %d, want 1:\n%s", got, out)
	}
	if strings.Contains(out, "\n- removed ") {
		t.Errorf("a quarantined snapshot announced removals:\n%s", out)
	}

	// Imported again, the same broken file is neither stored nor announced.
	out = c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2024-05-03", cut)
	if !strings.Contains(out, "unchanged since quarantined snapshot #2") || strings.Contains(out, "alerts:") {
		t.Errorf("second import of the cut file:\n%s", out)
	}

	var snaps []tracker.Snapshot
	if err := json.Unmarshal([]byte(c.mustRun(0, "snapshots", "--format", "json")), &snaps); err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[1].Status != tracker.SnapshotQuarantined || !strings.Contains(snaps[1].Note, "would be removed") {
		t.Fatalf("snapshots = %+v, want #2 quarantined with its reason", snaps)
	}
	// The list's latest is still #1: diff has nothing to compare it with,
	// and names the quarantined snapshot only when asked for it.
	if code, _, errOut := c.run("diff", "--list", "ofac-sdn"); code != exitTrouble || !strings.Contains(errOut, "only one snapshot") {
		t.Errorf("diff of the list: exit %d, %s; want trouble: only one active snapshot", code, errOut)
	}
	if code, _, errOut := c.run("diff", "--from", "1", "--to", "2"); code != exitTrouble || !strings.Contains(errOut, "accept --dry-run 2") {
		t.Errorf("diff to the quarantined snapshot: exit %d, %s; want a pointer to accept --dry-run", code, errOut)
	}

	review := c.mustRun(0, "accept", "--dry-run", "2")
	if !strings.Contains(review, "removed") || !strings.Contains(review, "under CYBER") {
		t.Errorf("accept --dry-run:\n%s", review)
	}
	out = c.mustRun(0, "accept", "2")
	if !strings.Contains(out, "accepted quarantined snapshot 2 as snapshot 3") {
		t.Errorf("accept:\n%s", out)
	}
	code, _, errOut := c.run("accept", "2")
	if code != exitTrouble || !strings.Contains(errOut, "already accepted as snapshot 3") {
		t.Errorf("second accept: exit %d, %s", code, errOut)
	}
	c.mustRun(exitChanges, "diff", "--list", "ofac-sdn", "--all-regimes")

	dir := filepath.Join(t.TempDir(), "raw")
	c.mustRun(0, "export-raw", "3", dir)
	want, _ := os.ReadFile(cut)
	got, err := os.ReadFile(filepath.Join(dir, "sdn.csv"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(want) {
		t.Errorf("exported raw file differs from the imported one (err %v)", err)
	}
	// The real file of #1 comes back byte for byte too.
	dir1 := filepath.Join(t.TempDir(), "raw1")
	c.mustRun(0, "export-raw", "1", dir1)
	want, _ = os.ReadFile(prev)
	got, _ = os.ReadFile(filepath.Join(dir1, filepath.Base(prev)))
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Errorf("exported %s differs from the original", filepath.Base(prev))
	}
	// Exporting again refuses to overwrite.
	if code, _, _ := c.run("export-raw", "1", dir1); code != exitTrouble {
		t.Errorf("export-raw over existing files: exit %d, want %d", code, exitTrouble)
	}
}
