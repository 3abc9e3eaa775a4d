package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/csvsafe"
	"github.com/cybersanctions/tracker/internal/permalink"
)

// The 11 CYBER2 designations OFAC added on 2023-09-07.
var addedCyber = []string{"44901", "44902", "44903", "44904", "44905", "44906", "44907", "44908", "44909", "44910", "44911"}

func TestChanges(t *testing.T) {
	f := newFixture(t, Options{})
	for _, tt := range []struct {
		name, query string
		want        int    // rows
		first       string // kind and id of the first row
		next        bool
	}{
		{"cyber by default", "", 12, "amended 44904", false},
		{"cyber added", "kind=added", 11, "added " + addedCyber[0], false},
		{"cyber amended", "kind=amended", 1, "amended 44904", false},
		{"a programme", "regime=CYBER2&kind=added", 11, "added " + addedCyber[0], false},
		{"a programme nobody has", "regime=NOSUCH", 0, "", false},
		{"one list", "list=ofac-sdn", 12, "amended 44904", false},
		{"another list", "list=eu-fsf", 0, "", false},
		{"from the third snapshot", "from=2023-09-08", 1, "amended 44904", false},
		{"up to the second", "to=2023-09-07", 11, "added " + addedCyber[0], false},
		{"range with nothing", "from=2023-09-01&to=2023-09-06", 0, "", false},
		{"page 1", "per_page=5", 5, "amended 44904", true},
		{"page 3", "per_page=5&page=3", 2, "added " + addedCyber[9], false},
		{"page past the end", "per_page=5&page=4", 0, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := f.get(t, "/changes?format=json&"+tt.query)
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			var d changesData
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				t.Fatal(err)
			}
			if len(d.Rows) != tt.want || (d.NextURL != "") != tt.next {
				t.Fatalf("%d rows (next %q), want %d (next %v)", len(d.Rows), d.NextURL, tt.want, tt.next)
			}
			if tt.want > 0 {
				if got := d.Rows[0].Kind + " " + d.Rows[0].ID; got != tt.first {
					t.Errorf("first row %s, want %s", got, tt.first)
				}
			}
			for _, r := range d.Rows {
				if r.DesignationURL != "/lists/ofac-sdn/designations/"+r.ID || r.DiffURL != permalink.Diff("ofac-sdn", r.Previous, r.Snapshot) ||
					r.Previous != r.Snapshot-1 {
					t.Errorf("row links %+v", r)
				}
			}
			// HTML and CSV show the same rows.
			rows := readCSV(t, f, "/changes?format=csv&"+tt.query)
			if len(rows) != tt.want+1 {
				t.Errorf("csv: %d rows, want %d", len(rows)-1, tt.want)
			}
			res, body = f.get(t, "/changes?"+tt.query)
			if res.StatusCode != 200 || strings.Count(body, `class="designation"`) != tt.want {
				t.Errorf("html: status %d, %d designation links", res.StatusCode, strings.Count(body, `class="designation"`))
			}
		})
	}
	// Every regime: the 2023-09-07 publication changed far more than cyber.
	_, body := f.get(t, "/changes?format=json&regime=all&per_page=1000")
	var all changesData
	if err := json.Unmarshal([]byte(body), &all); err != nil {
		t.Fatal(err)
	}
	// Every regime adds the constructed amendment of 2674, an SDGT
	// designation, to the 12 cyber changes.
	if len(all.Rows) != 13 || all.Rows[0].ID != "2674" && all.Rows[1].ID != "2674" {
		t.Errorf("regime=all: %d rows, want 13 with 2674", len(all.Rows))
	}
	// The pager keeps the filter.
	_, body = f.get(t, "/changes?per_page=5&kind=added&page=2")
	mustContain(t, body, `href="/changes?kind=added&amp;page=3&amp;per_page=5&amp;regime=cyber"`, `href="/changes?kind=added&amp;per_page=5&amp;regime=cyber"`)
	// The filter form shows what was asked.
	_, body = f.get(t, "/changes?list=ofac-sdn&kind=removed&from=2023-01-02")
	mustContain(t, body, `<option value="ofac-sdn" selected>`, `<option value="removed" selected>`, `name="from" value="2023-01-02"`, "No change matches.")
}

func TestEscaping(t *testing.T) {
	f := newFixture(t, Options{})
	const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
	for _, target := range []string{"/changes", "/lists/ofac-sdn/designations/44904", "/lists/ofac-sdn/diff/2/3", "/lists/ofac-sdn/snapshots/3/diff"} {
		res, body := f.get(t, target)
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", target, res.StatusCode)
		}
		mustContain(t, body, escaped)
		mustLack(t, body, scriptName, "<script")
	}
	// JSON escapes < and > too; CSV holds the text as it is, a download.
	_, body := f.get(t, "/lists/ofac-sdn/designations/44904?format=json")
	mustLack(t, body, "<script")
	mustContain(t, body, `\u003cscript\u003e`)
	// A list name in the address is escaped where it is echoed.
	_, body = f.get(t, "/lists/%3Cb%3Ex/designations/1")
	mustLack(t, body, "<b>x")
	mustContain(t, body, "&lt;b&gt;x")
	// A cell a spreadsheet would run is defused.
	if got := csvsafe.Cell("=HYPERLINK(\"http://x\")"); got != "'=HYPERLINK(\"http://x\")" {
		t.Errorf("csvsafe.Cell: %q", got)
	}
}

func TestDesignation(t *testing.T) {
	f := newFixture(t, Options{})
	res, body := f.get(t, "/lists/ofac-sdn/designations/44904")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	mustContain(t, body, "US OFAC (SDN List)", "person", "CYBER2", "tsarev89@gmail.com", "Russia",
		"<b>listed</b> in snapshot #2 (2023-09-07)", "<b>amended</b> in snapshot #3 (2023-09-08)",
		"<del>TSAREV, Mikhail Mikhailovich</del>", `href="/lists/ofac-sdn/diff/2/3"`,
		`href="https://sanctionssearch.ofac.treas.gov/Details.aspx?id=44904"`)
	var d designationData
	_, body = f.get(t, "/lists/ofac-sdn/designations/44904?format=json")
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if !d.Listed || d.Entity.Name != scriptName || len(d.Versions) != 2 || d.Versions[0].Event != "listed" ||
		d.Versions[1].Event != "amended" || d.Versions[1].Fields[0].Field != "name" || d.Versions[0].Until.ID != 3 {
		t.Errorf("json: %+v", d)
	}
	rows := readCSV(t, f, "/lists/ofac-sdn/designations/44904?format=csv")
	if len(rows) != 3 || rows[1][4] != "listed" || rows[2][4] != "amended" || rows[2][5] != "name" ||
		rows[2][6] != "TSAREV, Mikhail Mikhailovich" || rows[2][7] != scriptName {
		t.Errorf("csv: %q", rows)
	}
	// A designation in every snapshot, never changed: listed once.
	_, body = f.get(t, "/lists/ofac-sdn/designations/36?format=json")
	d = designationData{}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Versions) != 1 || d.Versions[0].From.ID != 1 || d.Versions[0].Until != nil {
		t.Errorf("unchanged designation: %+v", d.Versions)
	}
}

func TestDiff(t *testing.T) {
	f := newFixture(t, Options{})
	var d diffData
	res, body := f.get(t, "/lists/ofac-sdn/diff/1/2?format=json")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.From.ID != 1 || d.To.ID != 2 || d.Counts.Added < 11 || d.From.Date != "2023-09-06" {
		t.Errorf("diff 1→2: %+v", d.Counts)
	}
	// /snapshots/2/diff is the same, against the snapshot before 2.
	_, again := f.get(t, "/lists/ofac-sdn/snapshots/2/diff?format=json")
	if again != body {
		t.Error("/snapshots/2/diff differs from /diff/1/2")
	}
	// Any two snapshots, either way round.
	_, body = f.get(t, "/lists/ofac-sdn/diff/3/1?format=json")
	d = diffData{}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Counts.Removed < 11 {
		t.Errorf("diff 3→1: %+v", d.Counts)
	}
	_, body = f.get(t, "/lists/ofac-sdn/diff/2/3")
	mustContain(t, body, "0 added", "0 removed", "2 amended", `href="/lists/ofac-sdn/designations/44904"`, `href="/lists/ofac-sdn/designations/2674"`)
	rows := readCSV(t, f, "/lists/ofac-sdn/diff/2/3?format=csv")
	if len(rows) != 3 || rows[2][0] != "amended" || rows[2][1] != "44904" || rows[2][5] != "name" || rows[2][7] != scriptName {
		t.Errorf("csv: %q", rows)
	}
}

func TestSnapshotsAndRaw(t *testing.T) {
	f := newFixture(t, Options{})
	var d snapshotsData
	_, body := f.get(t, "/lists/ofac-sdn/snapshots?format=json")
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Snapshots) != 3 || d.Snapshots[0].ID != 3 || d.Snapshots[2].DiffURL != "" || d.Snapshots[0].DiffURL != "/lists/ofac-sdn/diff/2/3" {
		t.Fatalf("snapshots: %+v", d.Snapshots)
	}
	for _, sn := range d.Snapshots {
		if len(sn.Files) != 1 {
			t.Fatalf("snapshot %d: files %+v", sn.ID, sn.Files)
		}
		file := sn.Files[0]
		want := f.files[file.Name]
		sum := sha256.Sum256(want)
		if file.SHA256 != hex.EncodeToString(sum[:]) || file.Size != int64(len(want)) {
			t.Errorf("snapshot %d: %+v", sn.ID, file)
		}
		res, got := f.get(t, file.URL)
		if res.StatusCode != 200 || got != string(want) || res.Header.Get("X-Checksum-SHA256") != file.SHA256 ||
			res.Header.Get("Content-Type") != "application/octet-stream" ||
			res.Header.Get("Content-Disposition") != `attachment; filename=`+file.Name {
			t.Errorf("raw %s: status %d, %d bytes, headers %v", file.URL, res.StatusCode, len(got), res.Header)
		}
	}
	_, body = f.get(t, "/lists/ofac-sdn/snapshots")
	mustContain(t, body, d.Snapshots[1].Files[0].SHA256, `href="/lists/ofac-sdn/snapshots/2/raw/0/2023-09-07.sdn.csv"`)
	rows := readCSV(t, f, "/lists/ofac-sdn/snapshots?format=csv")
	if len(rows) != 4 || rows[1][0] != "3" || rows[1][8] != d.Snapshots[0].Files[0].SHA256 {
		t.Errorf("csv: %q", rows)
	}
}

func TestAuth(t *testing.T) {
	cred := filepath.Join(t.TempDir(), "web-users")
	if err := os.WriteFile(cred, []byte("# analysts\nana:s3cret:with:colons\n\nops:other\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := LoadUsers(cred)
	if err != nil {
		t.Fatal(err)
	}
	basic := newFixture(t, Options{Auth: Auth{Users: users}})
	proxy := newFixture(t, Options{Auth: Auth{ProxyHeader: "X-Forwarded-User"}})
	for _, tt := range []struct {
		name   string
		f      *fixture
		target string
		set    func(r *http.Request)
		status int
	}{
		{"basic: none", basic, "/", func(*http.Request) {}, 401},
		{"basic: right", basic, "/", func(r *http.Request) { r.SetBasicAuth("ana", "s3cret:with:colons") }, 200},
		{"basic: second user", basic, "/changes", func(r *http.Request) { r.SetBasicAuth("ops", "other") }, 200},
		{"basic: wrong password", basic, "/", func(r *http.Request) { r.SetBasicAuth("ana", "other") }, 401},
		{"basic: unknown user", basic, "/", func(r *http.Request) { r.SetBasicAuth("eve", "") }, 401},
		{"basic: stylesheet is public", basic, "/static/style.css", func(*http.Request) {}, 200},
		{"proxy: no header", proxy, "/", func(*http.Request) {}, 401},
		{"proxy: header", proxy, "/", func(r *http.Request) { r.Header.Set("X-Forwarded-User", "ana") }, 200},
		{"proxy: basic is not enough", proxy, "/", func(r *http.Request) { r.SetBasicAuth("ana", "s3cret:with:colons") }, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			tt.set(req)
			rec := httptest.NewRecorder()
			tt.f.srv.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if rec.Code == 401 && tt.f == basic && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Error("no WWW-Authenticate")
			}
		})
	}
	for _, bad := range []string{"", "# nothing\n", "nopassword\n", ":x\n"} {
		p := filepath.Join(t.TempDir(), "bad")
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadUsers(p); err == nil {
			t.Errorf("LoadUsers(%q): no error", bad)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error quotes the file: %v", err)
		}
	}
}
