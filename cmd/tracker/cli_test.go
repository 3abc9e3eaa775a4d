package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

// cli runs the tracker in-process against a database and returns its exit
// status and output.
type cli struct {
	t  testing.TB
	db string
}

func newCLI(t testing.TB) *cli {
	t.Setenv("TRACKER_CONFIG", "")
	return &cli{t: t, db: filepath.Join(t.TempDir(), "tracker.db")}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), append([]string{"--db", c.db}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func (c *cli) mustRun(want int, args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != want {
		c.t.Fatalf("tracker %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

// ofacCyber matches OFAC's cyber programme tags in the Program column.
var ofacCyber = regexp.MustCompile(`^CYBER\d*$`)

// rawSDN reads an sdn.csv independently of the parser: ent_num → the raw
// line, and whether its programme column holds a cyber tag. It relies only
// on the facts that each record is one CRLF line starting with ent_num and
// that the programme column is the fourth.
func rawSDN(t testing.TB, path string) (lines map[string]string, cyber map[string]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, cyber = map[string]string{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	fourth := regexp.MustCompile(`^(\d+),"(?:[^"]|"")*",(?:-0- ?|"[^"]*"),(?:-0- ?|"([^"]*)")`)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r\x1a")
		if line == "" {
			continue
		}
		m := fourth.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: cannot read line %q", path, line)
		}
		lines[m[1]] = line
		for _, p := range strings.Split(m[2], "] [") {
			if ofacCyber.MatchString(strings.Trim(p, "[] ")) {
				cyber[m[1]] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines, cyber
}

type diffJSON struct {
	Changes []tracker.Change `json:"changes"`
}

func idsOf(changes []tracker.Change, kind tracker.ChangeKind) []string {
	var out []string
	for _, c := range changes {
		if c.Kind == kind {
			out = append(out, c.ID)
		}
	}
	sort.Strings(out)
	return out
}

func sorted(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestOFACPairs imports each consecutive pair of real OFAC publications that
// has cyber additions and checks the diff against an independent reading of
// the raw files: exactly the cyber additions, nothing spurious; and with
// --all-regimes, one change per raw line that differs.
func TestOFACPairs(t *testing.T) {
	dir := filepath.Join(shareddata.Dir(t), "ofac", "sdn-csv")
	pairs := [][2]string{
		{"2021-09-17", "2021-09-21"}, {"2021-10-29", "2021-11-08"}, {"2022-09-09", "2022-09-14"},
		{"2023-02-08", "2023-02-09"}, {"2023-09-06", "2023-09-07"}, {"2024-03-04", "2024-03-05"},
	}
	for _, p := range pairs {
		t.Run(p[0]+"→"+p[1], func(t *testing.T) {
			c := newCLI(t)
			oldPath := filepath.Join(dir, p[0]+".sdn.csv")
			newPath := filepath.Join(dir, p[1]+".sdn.csv")
			c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", p[0], oldPath)
			c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", p[1], newPath)

			oldLines, oldCyber := rawSDN(t, oldPath)
			newLines, newCyber := rawSDN(t, newPath)
			wantAdded, wantRemoved, wantAmended := map[string]bool{}, map[string]bool{}, map[string]bool{}
			rawChanged := 0
			for id, line := range newLines {
				if newCyber[id] && !oldCyber[id] {
					wantAdded[id] = true
				}
				if newCyber[id] && oldCyber[id] && oldLines[id] != line {
					wantAmended[id] = true
				}
				if oldLines[id] != line {
					rawChanged++
				}
			}
			for id := range oldLines {
				if oldCyber[id] && !newCyber[id] {
					wantRemoved[id] = true
				}
				if _, ok := newLines[id]; !ok {
					rawChanged++
				}
			}
			if len(wantAdded) == 0 {
				t.Fatalf("the raw files show no cyber addition; the pair list is wrong")
			}

			var got diffJSON
			out := c.mustRun(1, "diff", "--list", "ofac-sdn", "--format", "json")
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("diff --format json: %v\n%s", err, out)
			}
			for kind, want := range map[tracker.ChangeKind]map[string]bool{
				tracker.Added: wantAdded, tracker.Removed: wantRemoved, tracker.Amended: wantAmended,
			} {
				if g := idsOf(got.Changes, kind); !slices.Equal(g, sorted(want)) {
					t.Errorf("cyber %s = %v, want %v", kind, g, sorted(want))
				}
			}
			for _, ch := range got.Changes {
				if ch.List != "ofac-sdn" || ch.Name == "" || len(ch.Programs) == 0 {
					t.Errorf("change lacks list, name or programmes: %+v", ch)
				}
			}

			var all diffJSON
			out = c.mustRun(1, "diff", "--list", "ofac-sdn", "--all-regimes", "--format", "json")
			if err := json.Unmarshal([]byte(out), &all); err != nil {
				t.Fatal(err)
			}
			if len(all.Changes) != rawChanged {
				t.Errorf("--all-regimes: %d changes, but %d raw records differ", len(all.Changes), rawChanged)
			}
		})
	}
}

func TestDiff20211108NamesTheSevenCyberDesignations(t *testing.T) {
	dir := filepath.Join(shareddata.Dir(t), "ofac", "sdn-csv")
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-10-29", filepath.Join(dir, "2021-10-29.sdn.csv"))
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-11-08", filepath.Join(dir, "2021-11-08.sdn.csv"))
	out := c.mustRun(1, "diff", "--list", "ofac-sdn")
	if n := strings.Count(out, "\n+ added"); n != 7 {
		t.Errorf("text diff shows %d additions, want 7:\n%s", n, out)
	}
	for _, name := range []string{"CHATEX", "VASINSKYI, Yaroslav"} {
		if !strings.Contains(out, name) {
			t.Errorf("diff does not name %s:\n%s", name, out)
		}
	}
	// By date and by snapshot number give the same answer.
	if byDate := c.mustRun(1, "diff", "--list", "ofac-sdn", "--from", "2021-10-29", "--to", "2021-11-08"); byDate != out {
		t.Errorf("diff by date differs from the default diff:\n%s", byDate)
	}
	if byNum := c.mustRun(1, "diff", "--from", "1", "--to", "2"); byNum != out {
		t.Errorf("diff by snapshot number differs from the default diff:\n%s", byNum)
	}
	// A snapshot compared with itself: no changes, exit 0.
	c.mustRun(0, "diff", "--from", "2", "--to", "2")
}

func TestImportIdempotentAndBadInput(t *testing.T) {
	data := shareddata.Dir(t)
	good := filepath.Join(data, "ofac", "sdn-csv", "2021-08-18.sdn.csv")
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-08-18", good)
	out := c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2021-08-18", good)
	if !strings.Contains(out, "unchanged") {
		t.Errorf("re-import does not say the content is unchanged: %s", out)
	}
	snapshots := c.mustRun(0, "snapshots", "--format", "json")

	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := map[string]string{
		"truncated mid-record": write("cut.sdn.csv", raw[:len(raw)/2]),
		"EU XML given as OFAC": filepath.Join(data, "eu", "fsf", "2020-07-30.xml"),
		"HTML page":            write("page.sdn.csv", []byte("<!DOCTYPE html><html><body>Service unavailable</body></html>")),
		"empty file":           write("empty.sdn.csv", nil),
	}
	for name, path := range bad {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := c.run("import", "--list", "ofac-sdn", "--as-of", "2021-09-01", path)
			if code != exitTrouble {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitTrouble, out, errOut)
			}
			if !strings.Contains(errOut, "ofac-sdn") || !strings.Contains(errOut, filepath.Base(path)) {
				t.Errorf("error does not name the list and the file: %s", errOut)
			}
			if after := c.mustRun(0, "snapshots", "--format", "json"); after != snapshots {
				t.Errorf("database changed after a rejected import:\n%s", after)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	c := newCLI(t)
	if code, out, _ := c.run("help"); code != 0 || !strings.Contains(out, "diff") {
		t.Errorf("help: exit %d, %s", code, out)
	}
	for _, cmd := range []string{"import", "fetch", "diff", "snapshots", "history"} {
		code, out, _ := c.run(cmd, "-h")
		if code != 0 || !strings.Contains(out, "Usage: tracker "+cmd) {
			t.Errorf("%s -h: exit %d, output %q", cmd, code, out)
		}
	}
	if code, _, errOut := c.run("frobnicate"); code != exitTrouble || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, %s", code, errOut)
	}
	if code, _, _ := c.run("import", "--list", "ofac-sdn"); code != exitTrouble {
		t.Errorf("import without files: exit %d, want 2", code)
	}
}

// TestDiffJSONAlsoListed: OFAC's Trickbot designations of 2023-02-09, with
// the OFSI list of 2023-06-05 stored, carry their UK Cyber entries in
// `tracker diff --format json`, and the UK is not among the authorities
// that list them nowhere.
func TestDiffJSONAlsoListed(t *testing.T) {
	data := shareddata.Dir(t)
	ofacDir := filepath.Join(data, "ofac", "sdn-csv")
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2023-02-08", filepath.Join(ofacDir, "2023-02-08.sdn.csv"))
	c.mustRun(0, "import", "--list", "uk-ofsi-conlist", filepath.Join(data, "uk", "ofsi", "2023-06-05.ConList.from-xlsx.csv"))
	alert := c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", "2023-02-09", filepath.Join(ofacDir, "2023-02-09.sdn.csv"))
	// The alert leads with the signal: the UK designated all seven the
	// same day as OFAC, a coordinated action, not the US catching up.
	if n := strings.Count(alert, "!! Same-day designation: "); n != 7 || strings.Index(alert, "!! Same-day") > strings.Index(alert, "\n+ ") {
		t.Errorf("%d same-day lines, want 7 before the cards:\n%s", n, alert)
	}
	if !strings.Contains(alert, "!! Same-day designation: KARYAGIN, Valentin Olegovich — also designated by the UK on 2023-02-09") ||
		strings.Contains(alert, "Newly joined") {
		t.Errorf("no same-day line for KARYAGIN, or one says newly joined:\n%s", alert)
	}
	out := c.mustRun(1, "diff", "--list", "ofac-sdn", "--format", "json")
	var got struct {
		Changes []tracker.Change `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	linked := 0
	for _, ch := range got.Changes {
		if ch.Kind != tracker.Added || ch.EntityKind != tracker.KindPerson {
			continue
		}
		if len(ch.AlsoListed) == 0 {
			t.Errorf("%s %s: no also_listed", ch.ID, ch.Name)
			continue
		}
		l := ch.AlsoListed[0]
		if l.List != "uk-ofsi-conlist" || !strings.HasPrefix(l.ID, "CYB") || l.Reason == "" || l.Name == "" || !l.StillListed {
			t.Errorf("%s %s: also listed %+v", ch.ID, ch.Name, l)
		}
		if slices.Contains(ch.NotListedBy, "UK") {
			t.Errorf("%s %s: linked to the UK, yet not listed by %q", ch.ID, ch.Name, ch.NotListedBy)
		}
		linked++
	}
	if linked != 7 {
		t.Errorf("%d Trickbot members with also_listed, want 7:\n%s", linked, out)
	}
	if !strings.Contains(out, `"also_listed"`) || !strings.Contains(out, `"reason": "same name and birth date"`) {
		t.Errorf("the JSON does not spell also_listed and its reason:\n%s", out)
	}
}
