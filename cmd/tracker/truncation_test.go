package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

// cutCSV writes src without its last drop lines (a share of them when
// drop < 1), cut on a line boundary; seal appends OFAC's 0x1A. The name
// differs from src's, so the test server gives it another ETag.
func cutCSV(t *testing.T, src string, drop float64, seal bool) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.TrimRight(data, "\x1a")
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	n := len(lines) - int(drop)
	if drop < 1 {
		n = len(lines) - int(float64(len(lines))*drop)
	}
	out := bytes.Join(lines[:n], nil)
	if seal {
		out = append(out, 0x1a)
	}
	dst := filepath.Join(t.TempDir(), "cut-"+filepath.Base(src))
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func snapshotsOfCLI(t *testing.T, c *cli) []tracker.Snapshot {
	t.Helper()
	var snaps []tracker.Snapshot
	if err := json.Unmarshal([]byte(c.mustRun(0, "snapshots", "--format", "json")), &snaps); err != nil {
		t.Fatal(err)
	}
	return snaps
}

// TestTruncatedPublicationsNeverAnnounceRemovals: files cut on a record
// boundary, losing a few percent of their records (under the 5% removal
// guard), are quarantined with a reason naming the cut and announce no
// removal, by import and by fetch.
func TestTruncatedPublicationsNeverAnnounceRemovals(t *testing.T) {
	ofacPrev := shareddata.Path(t, "ofac/sdn-csv/2024-03-05.sdn.csv")
	ofacNext := shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv")
	uk := shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv")
	ukXML := shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml")

	tests := []struct {
		name      string
		list      string
		base      []string // import args of the baseline
		cut       string
		asOf      string
		wantInWhy string
	}{
		{"OFAC CSV cut, no 0x1A", "ofac-sdn", []string{"--as-of", "2024-03-05", ofacPrev},
			cutCSV(t, ofacNext, 0.03, false), "2024-05-03", "does not end with OFAC's end-of-file byte 0x1A"},
		{"UK CSV cut", "uk-sanctions-list", []string{uk}, cutCSV(t, uk, 6, false), "", "exactly the last"},
		{"UK CSV cut mid-designation", "uk-sanctions-list", []string{uk}, cutCSV(t, uk, 5, false), "", "exactly the last"},
		{"UK XML cut between designations, closed again", "uk-sanctions-list", []string{ukXML}, cutXML(t, ukXML, "<Designation>", "</Designations>\n"), "", "exactly the last"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			c.mustRun(0, append([]string{"import", "--list", tt.list}, tt.base...)...)
			args := []string{"import", "--list", tt.list}
			if tt.asOf != "" {
				args = append(args, "--as-of", tt.asOf)
			}
			out := c.mustRun(0, append(args, tt.cut)...)
			if !strings.Contains(out, "QUARANTINED") || strings.Contains(out, "- removed") || strings.Contains(out, "removed:") && !strings.Contains(out, "quarantined") {
				t.Errorf("import of the cut file:\n%s", out)
			}
			snaps := snapshotsOfCLI(t, c)
			if len(snaps) != 2 || snaps[1].Status != tracker.SnapshotQuarantined || !strings.Contains(snaps[1].Note, tt.wantInWhy) {
				t.Fatalf("snapshots %+v, want #2 quarantined: %q", snaps, tt.wantInWhy)
			}
			if code, _, _ := c.run("diff", "--list", tt.list, "--all-regimes"); code != exitTrouble {
				t.Errorf("diff still has two active snapshots (exit %d)", code)
			}
		})
	}
}

// cutXML keeps the file up to the last occurrence of open, about 3% from
// the end, and closes the document again, so it is well-formed.
func cutXML(t *testing.T, src, open, closing string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.LastIndex(data[:len(data)*98/100], []byte(open))
	if at < 0 {
		t.Fatalf("%s has no %s", src, open)
	}
	i := bytes.LastIndexByte(data[:at], '\n') + 1
	dst := filepath.Join(t.TempDir(), "cut-"+filepath.Base(src))
	if err := os.WriteFile(dst, append(data[:i:i], closing...), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestTruncatedDownloads: through fetch, an OFAC CSV cut short is an error
// (nothing stored); a UK CSV cut short is quarantined; real removals in
// an unsealed format are stored once a second download confirms them.
func TestTruncatedDownloads(t *testing.T) {
	srv := newListServer(t)
	c := newCLI(t)
	ofac := shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv")
	srv.set("/ofac-sdn", ofac, 0, false)
	uk := shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv")
	srv.set("/uk-sanctions-list", uk, 0, false)
	cfg := writeRunConfig(t, srv, "", "ofac-sdn", "uk-sanctions-list")
	c.mustRun(0, "--config", cfg, "fetch")

	// The cut files keep their real names, so the URLs stay the same.
	srv.set("/ofac-sdn", cutCSV(t, ofac, 0.03, false), 0, false)
	code, out, errOut := c.run("--config", cfg, "fetch", "--list", "ofac-sdn")
	if code != exitTrouble || !strings.Contains(errOut, "does not end with OFAC's end-of-file byte 0x1A") || !strings.Contains(errOut, "nothing stored") {
		t.Errorf("fetch of a cut OFAC CSV: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	srv.set("/uk-sanctions-list", cutCSV(t, uk, 6, false), 0, false)
	out = c.mustRun(0, "--config", cfg, "fetch", "--list", "uk-sanctions-list")
	if !strings.Contains(out, "QUARANTINED") || strings.Contains(out, "- removed") {
		t.Errorf("fetch of a cut UK CSV:\n%s", out)
	}
	snaps := snapshotsOfCLI(t, c)
	if len(snaps) != 3 || snaps[2].List != "uk-sanctions-list" || snaps[2].Status != tracker.SnapshotQuarantined {
		t.Fatalf("snapshots %+v", snaps)
	}

	// A real removal (here: the first designation gone) in the UK CSV is
	// confirmed by a second download and stored.
	data, err := os.ReadFile(uk)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	first := bytes.Split(lines[2], []byte(","))[1] // Unique ID of the first row
	var kept [][]byte
	for i, l := range lines {
		if i < 2 || !bytes.Contains(l, append(append([]byte(","), first...), ',')) {
			kept = append(kept, l)
		}
	}
	removedOne := filepath.Join(t.TempDir(), "removed-"+filepath.Base(uk))
	if err := os.WriteFile(removedOne, bytes.Join(kept, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	srv.set("/uk-sanctions-list", removedOne, 0, false)
	before := len(srv.answered("/uk-sanctions-list"))
	out = c.mustRun(0, "--config", cfg, "fetch", "--list", "uk-sanctions-list", "--no-notify")
	if strings.Contains(out, "QUARANTINED") || !strings.Contains(out, "snapshot #") {
		t.Errorf("fetch of a real removal:\n%s", out)
	}
	if got := len(srv.answered("/uk-sanctions-list")) - before; got != 2 {
		t.Errorf("%d downloads for a publication with a removal, want 2 (one to confirm)", got)
	}
	var d diffJSON
	if err := json.Unmarshal([]byte(c.mustRun(1, "diff", "--list", "uk-sanctions-list", "--all-regimes", "--format", "json")), &d); err != nil {
		t.Fatal(err)
	}
	if got := idsOf(d.Changes, tracker.Removed); len(got) != 1 || got[0] != string(first) {
		t.Errorf("removed %v, want [%s]", got, first)
	}
}
