// Package screen matches designations against a compliance team's own
// counterparties (issue 18): every new or amended designation as it is
// stored, and a whole counterparty file on demand (`tracker screen`).
//
// It is pure like internal/match, whose normalisation it shares so that
// screening and cross-list linking agree on what a name is: parties in,
// hits out; the caller reads the file (Load) and stores the hits.
package screen

import (
	"slices"
	"strings"
	"sync"

	"github.com/cybersanctions/tracker"
)

// Party is one counterparty of the team's file.
type Party struct {
	Ref         string
	Name        string
	Kind        tracker.Kind // "" when the file does not say
	BirthDate   string       // ISO 8601, full or partial ("1975", "1975-03")
	Country     string
	Identifiers []string // document, registration, IMO numbers: compared exactly after normalisation
	Wallets     []string // crypto wallet addresses
	Aliases     []string
	// Extra holds the file's other columns, in file order, shown with a hit.
	Extra []Field
	// Line is where the party starts in its file, for messages.
	Line int
}

// Field is one extra column of a party.
type Field struct{ Name, Value string }

// Hit is a designation that may be one of the team's counterparties.
type Hit struct {
	Party *Party
	List  string // the designation's list ("ofac-sdn")
	ID    string // its id on that list
	Name  string // its primary name
	// MatchedName is the designation's name (primary or alias) that matched
	// the party; "" when the hit is on a wallet or an identifier alone.
	MatchedName string
	Kind        tracker.Kind
	Programs    []string
	Score       float64  // 0 to 1
	Matched     []string // what agreed: "wallet", "identifier", "name", "birth date", "country"
	Conflicts   []string // what disagreed but did not rule the hit out: "birth date", "country", "kind (…)"
}

// Reason is what matched in one phrase: "name, country".
func (h Hit) Reason() string { return strings.Join(h.Matched, ", ") }

// DefaultThreshold is the score from which a hit is raised when the
// configuration does not say.
const DefaultThreshold = 0.88

// Options tune a Screener.
type Options struct {
	// Threshold is the lowest score reported; 0 means DefaultThreshold.
	Threshold float64
}

// Screener holds the parties prepared and indexed once; Screen is then
// cheap per designation. It is safe for concurrent use after New.
type Screener struct {
	threshold float64
	parties   []Party
	prepared  []subject
	index     *index
	scratch   *sync.Pool
}

// New prepares and indexes the parties: the dear step, done once per
// counterparty file.
func New(parties []Party, opts Options) *Screener {
	s := &Screener{threshold: opts.Threshold, parties: parties}
	if s.threshold <= 0 {
		s.threshold = DefaultThreshold
	}
	s.prepared = make([]subject, len(parties))
	for i := range parties {
		s.prepared[i] = prepareParty(&parties[i])
	}
	s.index = newIndex(s.prepared)
	s.scratch = s.index.newScratchPool(len(parties))
	return s
}

// Len is the number of parties.
func (s *Screener) Len() int { return len(s.parties) }

// Threshold is the lowest score Screen reports.
func (s *Screener) Threshold() float64 { return s.threshold }

// Screen returns the parties the designation may be, best first, each
// scoring at least the threshold.
func (s *Screener) Screen(list string, e *tracker.Entity) []Hit {
	d := prepareDesignation(e)
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	sc.reset()
	s.index.candidates(&d, sc)
	var hits []Hit
	for _, i := range sc.cands {
		v, ok := s.compare(&d, i, sc)
		if !ok || v.score < s.threshold {
			continue
		}
		hits = append(hits, Hit{
			Party: &s.parties[i], List: list, ID: e.ID, Name: e.Name, MatchedName: v.matchedName,
			Kind: e.Kind, Programs: e.Programs, Score: v.score,
			Matched: v.matched, Conflicts: v.conflicts,
		})
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Party.Ref, b.Party.Ref)
	})
	return hits
}

// compare scores designation d against party i: a shared wallet address
// is a hit whatever else differs; a shared identifier or a similar name
// is scored, then raised or lowered by birth date, country and kind.
func (s *Screener) compare(d *subject, i int32, sc *scratch) (verdict, bool) {
	p := &s.prepared[i]
	var v verdict
	wallet := overlaps(d.wallets, p.wallets)
	if wallet {
		v.matched = append(v.matched, "wallet")
	}
	if overlaps(d.idents, p.idents) {
		v.score = 1
		v.matched = append(v.matched, "identifier")
	}
	if ns, matched := s.bestName(d, p, sc); ns >= nameFloor {
		v.score = max(v.score, ns)
		v.matchedName = matched
		v.matched = append(v.matched, "name")
	}
	if v.score == 0 && !wallet {
		return v, false
	}
	if !adjust(&v, d, p) && !wallet {
		return v, false
	}
	if wallet {
		v.score = 1
	}
	return v, true
}

// bestName is the best score of any of the designation's names against
// any of the party's, and the designation's name that gave it. Only names
// sharing a word the index found alike are compared. A pair of words is as
// similar as the index found them (sc.sims), else as typoSim says: a typo
// early in a short word escapes every key.
func (s *Screener) bestName(d, p *subject, sc *scratch) (float64, string) {
	person := d.kind == tracker.KindPerson || p.kind == tracker.KindPerson
	best, matched := 0.0, ""
	for m := range p.names {
		pn := &p.names[m]
		sharing := sc.namesSharing(pn.ids)
		for k := range d.names {
			if sharing&nameBit(k) == 0 {
				continue // no word alike: typos alone do not make a name
			}
			dn := &d.names[k]
			sim := func(i, j int) float64 {
				if v, ok := sc.simOf(k, i, pn.ids[j]); ok {
					return v
				}
				// Equal words, skeletons and abbreviations are all
				// found through keys: only a typo can be left.
				return typoSim(dn.toks[i], pn.toks[j])
			}
			if ns := nameScore(dn, pn, person, sim); ns > best {
				best, matched = ns, dn.display
			}
		}
	}
	return best, matched
}

// Designation is one designation to screen, with its list.
type Designation struct {
	List   string
	Entity *tracker.Entity
}

// ScreenAll screens many designations on workers goroutines (at least
// one) and returns every hit, ordered by party ref, then best score,
// then list and id: what a whole counterparty file's report reads.
func (s *Screener) ScreenAll(ds []Designation, workers int) []Hit {
	workers = max(1, min(workers, len(ds)))
	found := make([][]Hit, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ds); i += workers {
				found[w] = append(found[w], s.Screen(ds[i].List, ds[i].Entity)...)
			}
		}()
	}
	wg.Wait()
	var hits []Hit
	for _, f := range found {
		hits = append(hits, f...)
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := strings.Compare(a.Party.Ref, b.Party.Ref); c != 0 {
			return c
		}
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.List, b.List); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return hits
}
