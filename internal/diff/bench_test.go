package diff

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/ofac"
)

func parseOFAC(b *testing.B, rel string) []*tracker.Entity {
	b.Helper()
	path := shareddata.Path(b, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	pub, err := ofac.Parse(context.Background(), []source.RawFile{{Name: filepath.Base(path), Data: data}})
	if err != nil {
		b.Fatal(err)
	}
	return pub.Entities
}

// BenchmarkCompareOFAC compares two full publications of the OFAC SDN
// list: 2024-03-05 (14,432 entries) with 2024-05-03 (14,965), which differ
// by a few hundred designations, and a publication with itself (nothing
// changed: the cost of the fast path alone).
func BenchmarkCompareOFAC(b *testing.B) {
	old := parseOFAC(b, "ofac/sdn-csv/2024-03-05.sdn.csv")
	cur := parseOFAC(b, "ofac/sdn-csv/2024-05-03.sdn.csv")
	for _, bc := range []struct {
		name     string
		old, new []*tracker.Entity
	}{
		{"2024-03-05-to-2024-05-03", old, cur},
		{"unchanged", cur, cur},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(Compare("ofac-sdn", bc.old, bc.new))
			}
			b.ReportMetric(float64(n), "changes")
		})
	}
}
