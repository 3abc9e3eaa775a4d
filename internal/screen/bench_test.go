package screen

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

// syntheticParties makes n counterparties in the styles of a customer
// file, deterministically: people named with the first names and surnames
// of designated people recombined (with birth dates and nationalities),
// companies named with designated companies' words and generic ones, a
// few wallets and identifiers; one in a thousand is a variant of a
// designated name, so that hits are found as in life.
func syntheticParties(ds []designation, n int) []Party {
	r := rand.New(rand.NewPCG(100_000, 18))
	var persons, orgs []designation
	for _, d := range ds {
		switch d.e.Kind {
		case tracker.KindPerson:
			persons = append(persons, d)
		case tracker.KindEntity:
			orgs = append(orgs, d)
		}
	}
	countries := []string{"Russia", "China", "Iran", "United Kingdom", "Germany", "Turkey", "United Arab Emirates", "Cyprus"}
	out := make([]Party, n)
	for i := range out {
		p := &out[i]
		p.Ref = fmt.Sprintf("C-%06d", i)
		p.Country = countries[r.IntN(len(countries))]
		switch {
		case i%1000 == 0:
			d := persons[r.IntN(len(persons))]
			p.Kind, p.Name = tracker.KindPerson, strings.Join(typo(r, displayWords(d.e.Name)), " ")
		case i%3 == 0:
			a := NormaliseOrgForTest(orgs[r.IntN(len(orgs))].e.Name)
			words := []string{a[r.IntN(len(a))], orgWords[r.IntN(len(orgWords))], legalForms[r.IntN(len(legalForms))]}
			p.Kind, p.Name = tracker.KindEntity, strings.Join(words, " ")
			if i%7 == 0 {
				p.Identifiers = []string{fmt.Sprintf("%010d", r.IntN(1e9))}
			}
		default:
			a := displayWords(persons[r.IntN(len(persons))].e.Name)
			b := displayWords(persons[r.IntN(len(persons))].e.Name)
			p.Kind, p.Name = tracker.KindPerson, strings.Join(append(a[:len(a)-1:len(a)-1], b[len(b)-1]), " ")
			p.BirthDate = fmt.Sprintf("%d-%02d-%02d", 1950+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28))
			if i%11 == 0 {
				p.Wallets = []string{fmt.Sprintf("0x%040x", r.Uint64())}
			}
		}
	}
	return out
}

func realDesignations(ds []designation) []Designation {
	out := make([]Designation, len(ds))
	for i, d := range ds {
		out[i] = Designation{d.list, d.e}
	}
	return out
}

// BenchmarkNew is the index build of 100,000 counterparties: done once per
// counterparty file (the daemon keeps it).
func BenchmarkNew(b *testing.B) {
	parties := syntheticParties(loadReal(b), 100_000)
	for b.Loop() {
		New(parties, Options{})
	}
}

// BenchmarkScreen screens the latest real OFAC, UK and EU snapshots of
// ../shared/data against 100,000 counterparties on two workers (the
// machine's cores), index build included: `tracker screen` of a whole
// file.
func BenchmarkScreen(b *testing.B) {
	ds := realDesignations(loadReal(b))
	parties := syntheticParties(loadReal(b), 100_000)
	var hits int
	for b.Loop() {
		s := New(parties, Options{})
		hits = len(s.ScreenAll(ds, 2))
	}
	reportMemory(b)
	b.ReportMetric(float64(len(ds)), "designations")
	b.ReportMetric(float64(hits), "hits")
}

// BenchmarkScreenChanges screens one snapshot's worth of changes (300
// designations) against 100,000 counterparties already indexed: what the
// daemon does when a list changes.
func BenchmarkScreenChanges(b *testing.B) {
	all := loadReal(b)
	s := New(syntheticParties(all, 100_000), Options{})
	ds := realDesignations(all)
	r := rand.New(rand.NewPCG(300, 18))
	changes := make([]Designation, 300)
	for i := range changes {
		changes[i] = ds[r.IntN(len(ds))]
	}
	for b.Loop() {
		s.ScreenAll(changes, 1)
	}
}

func reportMemory(b *testing.B) {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.Sys)/(1<<20), "MB-sys")
}

// TestWriteSyntheticFile writes the benchmarks' 100,000 counterparties as
// a CSV file to $TRACKER_SYNTHETIC_CSV, for measuring `tracker screen` as
// a whole process (docs/screening.md); without it there is nothing to do.
func TestWriteSyntheticFile(t *testing.T) {
	path := os.Getenv("TRACKER_SYNTHETIC_CSV")
	if path == "" {
		t.Skip("TRACKER_SYNTHETIC_CSV not set")
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(Columns)
	for _, p := range syntheticParties(loadReal(t), 100_000) {
		_ = w.Write([]string{p.Ref, p.Name, string(p.Kind), p.BirthDate, p.Country,
			strings.Join(p.Identifiers, ";"), strings.Join(p.Wallets, ";"), strings.Join(p.Aliases, ";")})
	}
	w.Flush()
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(context.Background(), path)
	if err != nil || len(f.Parties) != 100_000 || len(f.Problems) != 0 {
		t.Fatalf("reading it back: %v, %d parties, problems %v", err, len(f.Parties), f.Problems)
	}
}
