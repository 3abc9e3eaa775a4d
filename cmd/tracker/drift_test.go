package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestFormatDriftNoticedOnce: a new CSV column, a new XML element and an
// unknown UK regime, carried by two different publications imported one
// after the other, each produce exactly one operator notice; both
// publications are stored, and the unknown regime is kept verbatim. The
// real files, unchanged, produce none.
func TestFormatDriftNoticedOnce(t *testing.T) {
	const (
		cyber  = "The Cyber (Sanctions) (EU Exit) Regulations 2020"
		regime = "The Global Hypothetical Drift Sanctions Regulations 2099"
	)
	addColumn := func(data []byte) []byte {
		lines := bytes.SplitAfter(data, []byte("\n"))
		for i := 1; i < len(lines); i++ { // line 1 is "Report Date: …"
			if len(bytes.TrimSpace(lines[i])) == 0 {
				continue
			}
			extra := ",high"
			if i == 1 {
				extra = ",Risk Score"
			}
			lines[i] = append(bytes.TrimRight(lines[i], "\r\n"), []byte(extra+"\r\n")...)
		}
		return bytes.Join(lines, nil)
	}
	for _, tt := range []struct {
		name    string
		ext     string
		edit    func([]byte) []byte
		notices int
		drift   string // the stored drift's kind/name
	}{
		{"real files", "csv", nil, 0, ""},
		{"real xml", "xml", nil, 0, ""},
		{"new column", "csv", addColumn, 1, "column/Risk Score"},
		{"new element", "xml", func(b []byte) []byte {
			return bytes.Replace(b, []byte("</Designation>"), []byte("<RiskScore>high</RiskScore></Designation>"), 1)
		}, 1, "element/Designation/RiskScore"},
		{"unknown regime", "csv", func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte(cyber), []byte(regime))
		}, 1, "value/regime=" + regime},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			var out strings.Builder
			for _, day := range []string{"2023-06-05", "2025-04-10"} {
				path := shareddata.Path(t, "uk/fcdo/"+day+".UK-Sanctions-List."+tt.ext)
				if tt.edit != nil {
					data, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					edited := tt.edit(data)
					if bytes.Equal(edited, data) {
						t.Fatalf("the edit changed nothing in %s", path)
					}
					path = filepath.Join(t.TempDir(), filepath.Base(path))
					if err := os.WriteFile(path, edited, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				out.WriteString(c.mustRun(0, "import", "--list", "uk-sanctions-list", path))
			}
			if got := strings.Count(out.String(), "format drift:"); got != tt.notices {
				t.Errorf("format drift notices = %d, want %d:\n%s", got, tt.notices, out.String())
			}

			st, err := store.Open(context.Background(), c.db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ds, err := st.FormatDrifts(context.Background(), "uk-sanctions-list")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Kind+"/"+d.Name)
				if d.FirstSnapshot != 1 {
					t.Errorf("drift %s first seen with snapshot #%d, want #1", d.Name, d.FirstSnapshot)
				}
			}
			var want []string
			if tt.drift != "" {
				want = []string{tt.drift}
			}
			if !slices.Equal(got, want) {
				t.Errorf("stored drift = %q, want %q", got, want)
			}

			sns, err := st.Snapshots(context.Background(), "uk-sanctions-list")
			if err != nil {
				t.Fatal(err)
			}
			if len(sns) != 2 {
				t.Fatalf("%d snapshots stored, want both publications", len(sns))
			}
			if !strings.Contains(tt.drift, regime) {
				return
			}
			latest, err := st.Latest(context.Background(), "uk-sanctions-list")
			if err != nil {
				t.Fatal(err)
			}
			es, err := st.Entities(context.Background(), latest)
			if err != nil {
				t.Fatal(err)
			}
			kept := 0
			for _, e := range es {
				if slices.Contains(e.Programs, regime) {
					kept++
				}
				if slices.Contains(e.Programs, cyber) {
					t.Errorf("%s still under the cyber regime: the unknown one was folded into it", e.ID)
				}
			}
			if kept == 0 {
				t.Error("no entity keeps the unknown regime verbatim")
			}
		})
	}
}
