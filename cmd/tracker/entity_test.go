package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestEntityTimeline: Trickbot's KARYAGIN on OFAC (added 2023-02-09) and
// on OFSI's list (held since its first snapshot, designated 2023-02-09)
// make one timeline, asked for by either id.
func TestEntityTimeline(t *testing.T) {
	data := shareddata.Dir(t)
	ofacDir := filepath.Join(data, "ofac", "sdn-csv")
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2023-02-08", filepath.Join(ofacDir, "2023-02-08.sdn.csv"))
	c.mustRun(0, "import", "--list", "uk-ofsi-conlist", filepath.Join(data, "uk", "ofsi", "2023-06-05.ConList.from-xlsx.csv"))
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2023-02-09", filepath.Join(ofacDir, "2023-02-09.sdn.csv"))

	out := c.mustRun(0, "entity", "35988")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "2023-02-09  US  ofac-sdn 35988  added  KARYAGIN, Valentin Olegovich (CYBER2)") ||
		!strings.HasPrefix(lines[1], "2023-02-09  UK  uk-ofsi-conlist CYB0023  first held  Valentin Olegovich KARYAGIN") ||
		!strings.Contains(lines[1], "designated 2023-02-09") || !strings.Contains(lines[1], "linked: same name and birth date") {
		t.Errorf("entity 35988:\n%s", out)
	}

	var events []entityEvent
	if err := json.Unmarshal([]byte(c.mustRun(0, "entity", "--format", "json", "CYB0023")), &events); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].List != "ofac-sdn" || events[0].LinkedBy == "" || events[1].List != "uk-ofsi-conlist" || events[1].LinkedBy != "" {
		t.Errorf("entity CYB0023: %+v", events)
	}

	if code, _, errOut := c.run("entity", "NO-SUCH-ID"); code != exitTrouble || !strings.Contains(errOut, `no list holds a designation with id "NO-SUCH-ID"`) {
		t.Errorf("unknown id: exit %d, %s", code, errOut)
	}
}
