package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestEUNameIsUntranslatedAlias: an EU entity whose first nameAlias is a
// translation is named by its untranslated alias in the diff, the alert
// and history; its date, taken from its first regulation, is said to be.
func TestEUNameIsUntranslatedAlias(t *testing.T) {
	src, err := os.ReadFile(shareddata.Path(t, "eu/fsf/2020-07-30.xml"))
	if err != nil {
		t.Fatal(err)
	}
	const gtsst = `<nameAlias firstName="" middleName="" lastName="" wholeName="Main Centre for Special Technologies (GTsST)`
	if !strings.Contains(string(src), gtsst) {
		t.Fatal("2020-07-30.xml no longer has the GTsST alias this test edits")
	}
	translated := `<nameAlias firstName="" middleName="" lastName="" wholeName="Hauptzentrum für Spezialtechnologien (GTsST)" function="" title="" nameLanguage="DE" strong="true" regulationLanguage="de" logicalId="99010999"/>
        <nameAlias firstName="" middleName="" lastName="" wholeName="Huvudcentrumet för specialteknik (GTsST)" function="" title="" nameLanguage="SV" strong="true" regulationLanguage="sv" logicalId="99010998"/>
        `
	edited := strings.Replace(string(src), gtsst, translated+gtsst, 1)
	path := filepath.Join(t.TempDir(), "2020-07-30.xml")
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	c := newCLI(t)
	c.mustRun(0, "import", "--list", "eu-fsf", shareddata.Path(t, "eu/fsf/2020-07-29.xml"))
	alert := c.mustRun(0, "import", "--list", "eu-fsf", path)
	const name = "Main Centre for Special Technologies (GTsST) of the Main Directorate"
	diff := c.mustRun(1, "diff", "--list", "eu-fsf")
	for what, out := range map[string]string{"alert": alert, "diff": diff} {
		if !strings.Contains(out, name) {
			t.Errorf("%s does not name GTsST by its untranslated alias:\n%s", what, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "+ added") && strings.Contains(line, "Hauptzentrum") {
				t.Errorf("%s names it by a translation: %s", what, line)
			}
		}
	}
	if !strings.Contains(alert, "Listed under: Regulation 2020/1125 (OJ L246) of 2020-07-30") {
		t.Errorf("the alert does not say where the designation date comes from:\n%s", alert)
	}
	var id string
	for _, line := range strings.Split(diff, "\n") {
		if strings.Contains(line, name) {
			if f := strings.Fields(line); len(f) > 3 {
				id = f[3]
			}
		}
	}
	hist := c.mustRun(0, "history", "--list", "eu-fsf", "990109")
	if !strings.Contains(hist, name) {
		t.Errorf("history of 990109 (diff line id %q) does not use the untranslated name:\n%s", id, hist)
	}
}
