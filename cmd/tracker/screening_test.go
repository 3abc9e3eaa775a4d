package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestScreeningEndToEnd runs the real CLI over OFAC's sdn.csv of
// 2021-10-29 and 2021-11-08 with a counterparty file holding a variant of
// one of the seven CYBER2 designations of 2021-11-08 (VASINSKYI, Yaroslav,
// spelt as another transliteration would, with his birth date and country), his
// namesake born on another day elsewhere, and a bad row. The baseline
// raises nothing; the second import raises exactly one possible match, for
// the right counterparty, to the screening channel after the mention;
// importing again and sending again raise nothing; an amendment of the
// designation (a third publication made by editing his record) raises one
// update.
func TestScreeningEndToEnd(t *testing.T) {
	dir := shareddata.Dir(t)
	oldPath := filepath.Join(dir, "ofac/sdn-csv/2021-10-29.sdn.csv")
	newPath := filepath.Join(dir, "ofac/sdn-csv/2021-11-08.sdn.csv")
	tmp := t.TempDir()
	amendedPath := filepath.Join(tmp, "2021-11-09.sdn.csv")
	amendSDN(t, newPath, amendedPath)
	parties := filepath.Join(tmp, "counterparties.csv")
	writeTestFile(t, parties, "ref,name,kind,birth_date,country,segment\n"+
		"C-1,Yaroslav Vasinsky,person,1999-10-20,Ukraine,exchange customers\n"+
		"C-2,Yaroslav VASINSKYI,person,1985-02-01,Poland,suppliers\n"+
		"C-9,Bad Row,person,1999-13-40,,\n")

	api := newSlackCapture(t)
	c := newCLI(t)
	cfg := slackConfig(t, api)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "screening:\n  file: %s\n  channel: \"#kyc\"\n  mention: \"<!here>\"\n", parties)
	f.Close()

	if out := c.mustRun(0, "--config", cfg, "config", "check"); !strings.Contains(out, "screening: "+parties+": 2 counterparties, 1 rows skipped") ||
		!strings.Contains(out, "counterparties.csv:4:4: birth_date") {
		t.Errorf("config check:\n%s", out)
	}
	steps := []struct {
		args      []string
		kyc       int // posts to #kyc so far
		sanctions int // change alerts so far
	}{
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-10-29", oldPath}, 0, 0},
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-11-08", newPath}, 1, 1},
		{[]string{"notify"}, 1, 1},
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-11-08", newPath}, 1, 1},
		{[]string{"import", "--list", "ofac-sdn", "--as-of", "2021-11-09", amendedPath}, 2, 2},
		{[]string{"notify"}, 2, 2},
	}
	for _, s := range steps {
		c.mustRun(0, append([]string{"--config", cfg}, s.args...)...)
		kyc, sanctions := postsTo(api, "#kyc"), postsTo(api, "#sanctions")
		if len(kyc) != s.kyc || len(sanctions) != s.sanctions {
			t.Fatalf("after tracker %s: %d posts to #kyc, %d to #sanctions; want %d and %d\n%q",
				strings.Join(s.args, " "), len(kyc), len(sanctions), s.kyc, s.sanctions, api.posts())
		}
	}
	kyc := postsTo(api, "#kyc")
	for i, want := range []string{
		// The score is the matcher's to tune; the reason names the fields.
		"<!here> Possible match: your C-1 'Yaroslav Vasinsky' ↔ US OFAC (SDN List) 33859 VASINSKYI, Yaroslav — ",
		"<!here> Update: designation amended: your C-1 'Yaroslav Vasinsky' ↔ US OFAC (SDN List) 33859 VASINSKYI, Yaroslav — ",
	} {
		if !strings.HasPrefix(kyc[i], want) {
			t.Errorf("post %d to #kyc:\n%s\nwant it to start %q", i+1, kyc[i], want)
		}
		if strings.Contains(kyc[i], "C-2") || strings.Contains(kyc[i], "suppliers") {
			t.Errorf("post %d to #kyc names the namesake:\n%s", i+1, kyc[i])
		}
	}
	if out := c.mustRun(0, "--config", cfg, "outbox"); !strings.Contains(out, "outbox empty") {
		t.Errorf("outbox after sending: %s", out)
	}
}

// amendSDN writes a third publication: OFAC's 2021-11-08 file with one
// more wallet in VASINSKYI's record, every other byte the same.
func amendSDN(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	const old = "citizen Ukraine; Gender Male; Digital Currency Address - XBT 35QpLWYkvD3ALhjbge5bK2kd7HfHYcDMu3;"
	if strings.Count(string(data), old) != 1 {
		t.Fatalf("%s: VASINSKYI's record is not as expected", from)
	}
	amended := strings.Replace(string(data), old, old+" alt. Digital Currency Address - XBT 3AmendedTestWa11etAddressXyz1234567;", 1)
	writeTestFile(t, to, amended)
}

func writeTestFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// postsTo returns the text of the posts to a channel, in order.
func postsTo(api *slackCapture, channel string) []string {
	var out []string
	for _, p := range api.posts() {
		if ch, rest, _ := strings.Cut(p, "\n"); ch == channel {
			text, _, _ := strings.Cut(rest, "\n")
			out = append(out, text)
		}
	}
	return out
}

// TestScreeningStdout: without Slack, a possible match is printed by the
// stdout notifier like every alert, once.
func TestScreeningStdout(t *testing.T) {
	dir := shareddata.Dir(t)
	tmp := t.TempDir()
	parties := filepath.Join(tmp, "counterparties.csv")
	writeTestFile(t, parties, "ref,name,kind,birth_date,country\nC-1,Yaroslav Vasinsky,person,1999-10-20,Ukraine\n")
	cfg := filepath.Join(tmp, "tracker.yaml")
	writeTestFile(t, cfg, "screening:\n  file: "+parties+"\n  mention: \"<!here>\"\n")
	c := newCLI(t)
	if out := c.mustRun(0, "--config", cfg, "config", "check"); !strings.Contains(out, "hits to stdout (screening.mention is for Slack: not used)") {
		t.Errorf("config check does not say the mention goes unused without Slack:\n%s", out)
	}
	c.mustRun(0, "--config", cfg, "import", "--list", "ofac-sdn", "--as-of", "2021-10-29", filepath.Join(dir, "ofac/sdn-csv/2021-10-29.sdn.csv"))
	out := c.mustRun(0, "--config", cfg, "import", "--list", "ofac-sdn", "--as-of", "2021-11-08", filepath.Join(dir, "ofac/sdn-csv/2021-11-08.sdn.csv"))
	want := "?? Possible match: your C-1 'Yaroslav Vasinsky' ↔ US OFAC (SDN List) 33859 VASINSKYI, Yaroslav — "
	if strings.Count(out, "?? ") != 1 || !strings.Contains(out, want) || strings.Contains(out, "<!here>") {
		t.Errorf("stdout:\n%s\nwant one hit, %q, without the Slack mention", out, want)
	}
	if out := c.mustRun(0, "--config", cfg, "notify"); strings.Contains(out, "?? ") {
		t.Errorf("notify printed the hit again:\n%s", out)
	}
}
