package uk

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

func benchmarkUK(b *testing.B, rel string, parse source.Parser) {
	path := shareddata.Path(b, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	files := []source.RawFile{{Name: filepath.Base(path), Data: data}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(context.Background(), files); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseOFSIConList parses a full ConList: 4,686 groups, 15 MB.
func BenchmarkParseOFSIConList(b *testing.B) {
	benchmarkUK(b, "uk/ofsi/2025-04-10.ConList.from-xlsx.csv", ParseConList)
}

func BenchmarkParseUKSanctionsListXML(b *testing.B) {
	benchmarkUK(b, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml", ParseSanctionsList)
}

func BenchmarkParseUKSanctionsListCSV(b *testing.B) {
	benchmarkUK(b, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv", ParseSanctionsList)
}
