package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestAlertsLinkTheWebView: with web.base_url set, an import's alert links
// each new designation and the publication's changes to the web view's
// pages (the addresses tracker serve answers).
func TestAlertsLinkTheWebView(t *testing.T) {
	c := newCLI(t)
	cfg := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(cfg, []byte("web:\n  base_url: https://tracker.example.org/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(shareddata.Dir(t), "ofac", "sdn-csv")
	c.mustRun(0, "--config", cfg, "import", "--list", "ofac-sdn", "--as-of", "2021-10-29", filepath.Join(d, "2021-10-29.sdn.csv"))
	out := c.mustRun(0, "--config", cfg, "import", "--list", "ofac-sdn", "--as-of", "2021-11-08", filepath.Join(d, "2021-11-08.sdn.csv"))
	for _, want := range []string{
		"all changes of this publication: https://tracker.example.org/lists/ofac-sdn/snapshots/2/diff",
		"Page: designation on the tracker https://tracker.example.org/lists/ofac-sdn/designations/33854", // CHATEX
	} {
		if !strings.Contains(out, want) {
			t.Errorf("alert lacks %q:\n%s", want, out)
		}
	}
}
