package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// screenDB is a database holding the real OFAC lists of 2021-10-29 and
// 2021-11-08 (the day of seven new CYBER2 designations).
func screenDB(t *testing.T) *cli {
	t.Helper()
	c := newCLI(t)
	for _, day := range []string{"2021-10-29", "2021-11-08"} {
		c.mustRun(0, "import", "--list", "ofac-sdn", "--as-of", day, "--no-notify",
			shareddata.Path(t, "ofac/sdn-csv/"+day+".sdn.csv"))
	}
	return c
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScreenFile screens a counterparty file against the real OFAC list:
// variants of designated names and wallets are hits, namesakes and
// near-miss wallets are not, bad rows are reported and skipped.
func TestScreenFile(t *testing.T) {
	c := screenDB(t)
	file := writeFile(t, "parties.csv", "ref,name,kind,birth_date,country,wallets,segment\n"+
		"C-1,Evgeny Igorevich Polyanin,person,1993-03-04,Russia,,crypto desk\n"+ // transliteration of POLYANIN, Yevgeniy
		"C-2,Yaroslav Vasinskyi,person,1962-01-01,Ukraine,,\n"+ // namesake: another birth date
		"C-3,Trading Desk,,,,0xD882CFC20F52F2599D84B8E8D58C7FB62CFE344B,\n"+ // KARASAVIDI's ETH address, upper case
		"C-4,Other Desk,,,,158treVZBGMBThoaympxccPdZPtqUfYrT8,\n"+ // POLYANIN's BTC address, last character changed
		"C-5,Maksim Yakubetz,person,,,,\n"+ // one typo, no middle name
		"C-6,,person,,,,\n"+ // no name
		"C-7,=1+1,person,1980-99-99,,,\n") // bad date
	code, out, errOut := c.run("screen", "--format", "json", file)
	if code != exitChanges {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	var got struct {
		Parties int
		Hits    []screenHit
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	hit := map[string]screenHit{}
	for _, h := range got.Hits {
		if _, ok := hit[h.PartyRef]; !ok {
			hit[h.PartyRef] = h
		}
	}
	for ref, want := range map[string]string{"C-1": "33858", "C-3": "29585", "C-5": "26663"} {
		if hit[ref].ID != want {
			t.Errorf("%s: best hit %+v, want OFAC %s", ref, hit[ref], want)
		}
	}
	for _, ref := range []string{"C-2", "C-4"} {
		if h, ok := hit[ref]; ok {
			t.Errorf("%s: unexpected hit %+v", ref, h)
		}
	}
	if h := hit["C-3"]; len(h.Matched) == 0 || h.Matched[0] != "wallet" || h.Score != 1 {
		t.Errorf("wallet hit = %+v", h)
	}
	if h := hit["C-1"]; !strings.Contains(strings.Join(h.Matched, ","), "birth date") || h.PartyExtra[0].Value != "crypto desk" {
		t.Errorf("C-1 hit = %+v", h)
	}
	if got.Parties != 5 {
		t.Errorf("parties = %d, want 5", got.Parties)
	}
	wantErr := []string{file + ":7:2: empty name", file + ":8:4: birth_date \"1980-99-99\""}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != len(wantErr) {
		t.Fatalf("stderr = %q", errOut)
	}
	for i, w := range wantErr {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("stderr line %d = %q, want %q…", i, lines[i], w)
		}
	}
}

// TestScreenOutputs checks the text and CSV forms, --as-of and the exit
// statuses: 0 without a hit, 2 for trouble.
func TestScreenOutputs(t *testing.T) {
	c := screenDB(t)
	// The name holds a right-to-left override: shown escaped, never raw.
	file := writeFile(t, "parties.yaml", "- ref: '=cmd'\n  name: \"Yevgeniy \\u202ePolyanin\"\n  kind: person\n")
	out := c.mustRun(exitChanges, "screen", file)
	if !strings.Contains(out, `=cmd "Yevgeniy \u202ePolyanin" ↔ ofac-sdn 33858 POLYANIN, Yevgeniy Igorevich`) ||
		!strings.Contains(out, "1 hit for 1 counterparty") || strings.Contains(out, "\u202e") {
		t.Errorf("text output:\n%s", out)
	}
	out = c.mustRun(exitChanges, "screen", "--format", "csv", file)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "'=cmd" || rows[1][3] != "33858" {
		t.Errorf("csv output (%v):\n%s", err, out)
	}
	// Before 2021-11-08 POLYANIN was not designated.
	out = c.mustRun(exitOK, "screen", "--as-of", "2021-10-30", file)
	if !strings.Contains(out, "0 hits for 0 counterparties") {
		t.Errorf("as of 2021-10-30:\n%s", out)
	}
	for _, args := range [][]string{
		{"screen", filepath.Join(t.TempDir(), "missing.csv")},
		{"screen", "--list", "eu-fsf", file},
		{"screen", "--format", "xml", file},
		{"screen"},
		{"screen", "--name", "X", file},
		{"screen", "--as-of", "2019-01-01", file},
	} {
		if code, _, _ := c.run(args...); code != exitTrouble {
			t.Errorf("tracker %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}

// TestScreenOneParty screens one party given by flags.
func TestScreenOneParty(t *testing.T) {
	c := screenDB(t)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--name", "Aleksandr Yakubets", "--kind", "person"}, exitOK, "0 hits"},
		{[]string{"--name", "Maxim Yakubets", "--dob", "1987-05-20", "--country", "Russia"}, exitChanges, "26663 YAKUBETS, Maksim Viktorovich — 1.00: name, birth date, country"},
		{[]string{"--name", "Maksim Yakubets", "--dob", "1970-01-01"}, exitOK, "0 hits"},
		{[]string{"--wallet", "0xD882cfc20f52f2599d84b8e8d58c7fb62cfe344B"}, exitChanges, "29585 KARASAVIDI, Dmitrii — 1.00: wallet"},
		{[]string{"--id", "0118665722"}, exitChanges, "33858 POLYANIN, Yevgeniy Igorevich — 1.00: identifier"},
	} {
		args := append([]string{"screen", "--list", "ofac-sdn"}, tt.args...)
		out := c.mustRun(tt.code, args...)
		if !strings.Contains(out, tt.want) {
			t.Errorf("tracker %s:\n%s\nwant %q", strings.Join(args, " "), out, tt.want)
		}
	}
}

// TestScreenConfigDefaults: without FILE, `tracker screen` screens the
// configured screening.file at screening.threshold, as the daemon would; a
// flag still wins.
func TestScreenConfigDefaults(t *testing.T) {
	c := screenDB(t)
	file := writeFile(t, "parties.csv", "ref,name,kind,birth_date,country\n"+
		"C-1,Evgeny Igorevich Polyanin,person,1993-03-04,Russia\n"+ // name, birth date and country agree
		"C-5,Maksim Yakubetz,person,,\n") // one typo, no middle name: a lower score
	cfg := writeFile(t, "tracker.yaml", "screening:\n  file: "+file+"\n  threshold: 0.97\n")
	refs := func(args ...string) (float64, []string) {
		t.Helper()
		code, out, errOut := c.run(append([]string{"--config", cfg, "screen", "--format", "json"}, args...)...)
		if code != exitChanges {
			t.Fatalf("screen %v: exit %d, want 1\n%s\n%s", args, code, out, errOut)
		}
		var got struct {
			Threshold float64
			Hits      []screenHit
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		var rs []string
		for _, h := range got.Hits {
			rs = append(rs, h.PartyRef)
		}
		return got.Threshold, rs
	}
	if th, rs := refs(); th != 0.97 || strings.Join(rs, ",") != "C-1" {
		t.Errorf("configured: threshold %v, hits %v; want 0.97 and C-1 alone", th, rs)
	}
	if th, rs := refs("--threshold", "0.9"); th != 0.9 || strings.Join(rs, ",") != "C-1,C-5" {
		t.Errorf("--threshold 0.9: threshold %v, hits %v; want 0.9 and C-1,C-5", th, rs)
	}
}
