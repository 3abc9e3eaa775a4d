package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestFutureDateRefused: a publication dated more than two days ahead is
// never stored, whether the date comes from --as-of or from the file.
func TestFutureDateRefused(t *testing.T) {
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-10-29", shareddata.Path(t, "ofac/sdn-csv/2021-10-29.sdn.csv"))
	code, out, errOut := c.run("import", "--list", "ofac-sdn", "--as-of", "2205-09-08", shareddata.Path(t, "ofac/sdn-csv/2021-11-08.sdn.csv"))
	if code != exitTrouble || !strings.Contains(errOut, "2205-09-08") || !strings.Contains(errOut, "more than 2 days after now") {
		t.Fatalf("import --as-of 2205-09-08: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("the error is not one line:\n%s", errOut)
	}

	// An EU file whose generationDate is in 2092.
	eu, err := os.ReadFile(shareddata.Path(t, "eu/fsf/2020-07-30.xml"))
	if err != nil {
		t.Fatal(err)
	}
	future := filepath.Join(t.TempDir(), "eu.xml")
	if err := os.WriteFile(future, []byte(strings.Replace(string(eu), `generationDate="2020-07-30`, `generationDate="2092-07-30`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	c.mustRun(0, "import", "--list", "eu-fsf", shareddata.Path(t, "eu/fsf/2020-07-29.xml"))
	if code, _, errOut := c.run("import", "--list", "eu-fsf", future); code != exitTrouble || !strings.Contains(errOut, "2092-07-30 (the file states)") {
		t.Fatalf("import of an EU file dated 2092: exit %d, %s", code, errOut)
	}
	var snaps []tracker.Snapshot
	if err := json.Unmarshal([]byte(c.mustRun(0, "snapshots", "--format", "json")), &snaps); err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots stored, want the two baselines only", len(snaps))
	}
}

// TestRetractUnfreezesList: a list frozen by a publication dated ahead of
// the real ones (here tomorrow, within the tolerance, as an older tracker
// stored any date) is retracted; its pending alert is not sent; the next
// real publication is stored and compared with the snapshot before it.
func TestRetractUnfreezesList(t *testing.T) {
	c := newCLI(t)
	d := func(day string) string { return shareddata.Path(t, "ofac/sdn-csv/"+day+".sdn.csv") }
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-10-29", d("2021-10-29"))
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format(time.DateOnly)
	c.mustRun(0, "import", "--no-notify", "--list", "ofac-sdn", "--as-of", tomorrow, d("2022-09-09"))
	code, _, errOut := c.run("import", "--list", "ofac-sdn", "--as-of", "2021-11-08", d("2021-11-08"))
	if code != exitTrouble || !strings.Contains(errOut, "older than the latest snapshot") {
		t.Fatalf("import after the misdated one: exit %d, %s; want refused as older", code, errOut)
	}

	if code, _, errOut := c.run("retract", "--reason", "wrong", "1"); code != exitTrouble || !strings.Contains(errOut, "not the latest") {
		t.Errorf("retract of a non-latest snapshot: exit %d, %s", code, errOut)
	}
	if code, _, _ := c.run("retract", "2"); code != exitTrouble {
		t.Errorf("retract without --reason: exit %d, want usage error", code)
	}
	dry := c.mustRun(0, "retract", "--dry-run", "--reason", "dated tomorrow by mistake", "2")
	if !strings.Contains(dry, "would retract") || !strings.Contains(dry, "1 pending alerts cancelled") {
		t.Errorf("retract --dry-run:\n%s", dry)
	}
	out := c.mustRun(0, "retract", "--reason", "dated tomorrow by mistake", "2")
	if !strings.Contains(out, "retracted snapshot #2") || !strings.Contains(out, "latest of ofac-sdn: #1") {
		t.Errorf("retract:\n%s", out)
	}
	if sent := c.mustRun(0, "notify"); strings.Contains(sent, "CYBER") {
		t.Errorf("the retracted snapshot's alert was sent:\n%s", sent)
	}
	snaps := c.mustRun(0, "snapshots")
	if !strings.Contains(snaps, "retracted") || !strings.Contains(snaps, "dated tomorrow by mistake") {
		t.Errorf("snapshots does not show the retraction:\n%s", snaps)
	}

	out = c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-11-08", d("2021-11-08"))
	if !strings.Contains(out, "snapshot #3") {
		t.Fatalf("import after retract:\n%s", out)
	}
	// Compared with #1: the seven CYBER2 designations of 2021-11-08, and
	// nothing of what #2 (2022-09-09) added.
	diffOut := c.mustRun(1, "diff", "--list", "ofac-sdn")
	if n := strings.Count(diffOut, "\n+ added"); n != 7 || !strings.Contains(diffOut, "#1") || strings.Contains(diffOut, "#2") {
		t.Errorf("diff after retract shows %d additions, want the seven of 2021-11-08 since #1:\n%s", n, diffOut)
	}
}

// TestUKReportDateOrder: the FCDO CSV's "Report Date: 30-Sep-2026" is
// before "08-Oct-2026" although it sorts after it as text.
func TestUKReportDateOrder(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	withDate := func(src, date string) string {
		b, err := os.ReadFile(shareddata.Path(t, src))
		if err != nil {
			t.Fatal(err)
		}
		first, rest, _ := strings.Cut(string(b), "\n")
		if !strings.HasPrefix(first, "Report Date: ") {
			t.Fatalf("%s line 1 = %q", src, first)
		}
		p := filepath.Join(dir, date+".csv")
		if err := os.WriteFile(p, []byte("Report Date: "+date+"\r\n"+rest), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := withDate("uk/fcdo/2023-06-05.UK-Sanctions-List.csv", "30-Sep-2026")
	b := withDate("uk/fcdo/2025-04-10.UK-Sanctions-List.csv", "08-Oct-2026")
	c.mustRun(0, "import", "--list", "uk-sanctions-list", a)
	c.mustRun(0, "import", "--list", "uk-sanctions-list", b)
	var snaps []tracker.Snapshot
	if err := json.Unmarshal([]byte(c.mustRun(0, "snapshots", "--format", "json")), &snaps); err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].PublishedAt != "2026-09-30" || snaps[1].PublishedAt != "2026-10-08" {
		t.Fatalf("snapshots = %+v", snaps)
	}
	older := withDate("uk/fcdo/2023-06-05.UK-Sanctions-List.csv", "29-Sep-2026")
	if code, _, errOut := c.run("import", "--list", "uk-sanctions-list", older); code != exitTrouble || !strings.Contains(errOut, "older than the latest") {
		t.Errorf("import of 29-Sep after 08-Oct: exit %d, %s", code, errOut)
	}

	// The real files import with their real dates.
	c2 := newCLI(t)
	for _, want := range []string{"2023-06-05", "2025-04-10"} {
		c2.mustRun(0, "import", "--list", "uk-sanctions-list", shareddata.Path(t, "uk/fcdo/"+want+".UK-Sanctions-List.csv"))
	}
	if err := json.Unmarshal([]byte(c2.mustRun(0, "snapshots", "--format", "json")), &snaps); err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].PublishedAt != "2023-06-05" || snaps[1].PublishedAt != "2025-04-10" {
		t.Fatalf("real FCDO CSVs stored with dates %+v", snaps)
	}
}
