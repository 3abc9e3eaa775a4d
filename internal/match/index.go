package match

// Index finds candidates in memory: the entities sharing a blocking key
// with a given one. The store keeps the same keys in SQLite for linking
// across snapshots; Index serves a one-off comparison of two lists (tests,
// measurements, screening a name).
type Index struct {
	items []*Prepared
	byKey map[string][]int
}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{byKey: map[string][]int{}} }

// Add indexes an entity under its keys.
func (x *Index) Add(p *Prepared) {
	n := len(x.items)
	x.items = append(x.items, p)
	for _, k := range Keys(p) {
		x.byKey[k] = append(x.byKey[k], n)
	}
}

// Candidates returns the indexed entities sharing a key with p, each once.
func (x *Index) Candidates(p *Prepared) []*Prepared {
	seen := map[int]bool{}
	var out []*Prepared
	for _, k := range Keys(p) {
		for _, i := range x.byKey[k] {
			if !seen[i] {
				seen[i] = true
				out = append(out, x.items[i])
			}
		}
	}
	return out
}
