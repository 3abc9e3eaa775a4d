package ofac

import (
	"context"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

// BenchmarkParseOFAC parses real publications: the largest legacy sdn.csv
// (14,965 entries, 3.9 MB), a full CSV trio, and the 2025 Consolidated XML
// (443 entries, 0.9 MB).
func BenchmarkParseOFAC(b *testing.B) {
	for _, bc := range []struct {
		name  string
		paths []string
	}{
		{"sdn-csv-2024-05-03", []string{"ofac/sdn-csv/2024-05-03.sdn.csv"}},
		{"sdn-csv-trio-2021-07-07", []string{
			"ofac/sdn-csv-trio/2021-07-07/sdn.csv",
			"ofac/sdn-csv-trio/2021-07-07/add.csv",
			"ofac/sdn-csv-trio/2021-07-07/alt.csv",
		}},
		{"consolidated-xml-2025-03-28", []string{"ofac/xml/2025-03-28.consolidated.xml"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			files := make([]source.RawFile, len(bc.paths))
			size := 0
			for i, p := range bc.paths {
				files[i] = ofacRead(b, shareddata.Path(b, p))
				size += len(files[i].Data)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				pub, err := Parse(ctx, files)
				if err != nil {
					b.Fatal(err)
				}
				if len(pub.Entities) == 0 {
					b.Fatal("no entities")
				}
			}
		})
	}
}
