package screen

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cybersanctions/tracker"
)

// index finds the parties a designation may be without comparing it with
// all of them. Every word of every party name is interned once in a
// vocabulary; a designation's word finds the vocabulary words that may be
// the same word — equal, the same skeleton (transliteration), or sharing
// the first or the last four letters (a typo elsewhere) — and through them
// the parties. A word held by very many parties ("MOHAMMED", "TRADING")
// finds nobody by itself: such names are found through their pairs of
// word skeletons instead, which are rare.
type index struct {
	vocab    map[string]uint32
	words    []string
	skels    []string
	postings [][]int32 // word → parties holding it, ascending
	bySkel   map[string][]uint32
	byPrefix map[string][]uint32
	bySuffix map[string][]uint32
	byEnds   map[string][]uint32 // first two and last two letters: a slip in the middle
	byPair   map[string][]int32  // "SKEL1 SKEL2" (sorted) → parties
	byWallet map[string][]int32
	byIdent  map[string][]int32
	// common is the most parties a word may find by itself.
	common int
	// minWords is, per party, the fewest words of its names (at most 2).
	minWords []uint8

	// similar caches, per designation word, the vocabulary words that may
	// be it with their similarity: designations share words, and this is
	// the dearest step. It grows with the lists' vocabulary, and stops
	// growing at maxSimilar words so that a daemon that keeps one index
	// for months (or is fed odd text) keeps its memory bounded.
	similar  sync.Map // string → []wordSim
	nSimilar atomic.Int64
}

// maxSimilar caps the similar cache: OFAC's SDN names and aliases and
// OFSI's name columns hold ~35k distinct words (2024–2025 files).
const maxSimilar = 250_000

type wordSim struct {
	word uint32
	sim  float64
}

// affixLen is how many first or last letters make a typo key; only words
// longer than it have such keys.
const affixLen = 4

// Common-word cap: a word found in more than max(minCommon, parties/
// commonShare) parties does not find candidates by itself.
const (
	minCommon   = 500
	commonShare = 100
)

func newIndex(parties []subject) *index {
	x := &index{
		vocab: map[string]uint32{}, bySkel: map[string][]uint32{}, byPrefix: map[string][]uint32{},
		bySuffix: map[string][]uint32{}, byEnds: map[string][]uint32{}, byPair: map[string][]int32{}, byWallet: map[string][]int32{},
		byIdent: map[string][]int32{}, common: max(minCommon, len(parties)/commonShare),
	}
	x.minWords = make([]uint8, len(parties))
	for i := range parties {
		p := &parties[i]
		x.minWords[i] = 2
		for k := range p.names {
			x.addName(&p.names[k], int32(i))
			x.minWords[i] = min(x.minWords[i], uint8(len(p.names[k].toks)))
		}
		for _, w := range p.wallets {
			x.byWallet[w] = appendOnce(x.byWallet[w], int32(i))
		}
		for _, id := range p.idents {
			x.byIdent[id] = appendOnce(x.byIdent[id], int32(i))
		}
	}
	return x
}

// addName interns a party name's words and keys them.
func (x *index) addName(n *name, party int32) {
	n.ids = make([]uint32, len(n.toks))
	for j, t := range n.toks {
		id, ok := x.vocab[t]
		if !ok {
			id = uint32(len(x.words))
			x.vocab[t] = id
			x.words = append(x.words, t)
			x.skels = append(x.skels, n.skels[j])
			x.postings = append(x.postings, nil)
			x.bySkel[n.skels[j]] = append(x.bySkel[n.skels[j]], id)
			if len(t) > affixLen {
				x.byPrefix[t[:affixLen]] = append(x.byPrefix[t[:affixLen]], id)
				x.bySuffix[t[len(t)-affixLen:]] = append(x.bySuffix[t[len(t)-affixLen:]], id)
				x.byEnds[ends(t)] = append(x.byEnds[ends(t)], id)
			}
		}
		n.ids[j] = id
		x.postings[id] = appendOnce(x.postings[id], party)
	}
	for _, k := range pairKeys(n) {
		x.byPair[k] = appendOnce(x.byPair[k], party)
	}
}

func ends(w string) string { return w[:2] + w[len(w)-2:] }

// maxPairWords bounds the names whose word pairs are keys: n words give
// n(n-1)/2 keys.
const maxPairWords = 6

func pairKeys(n *name) []string {
	if len(n.skels) < 2 || len(n.skels) > maxPairWords {
		return nil
	}
	var keys []string
	for i := range n.skels {
		for j := i + 1; j < len(n.skels); j++ {
			a, b := n.skels[i], n.skels[j]
			if a > b {
				a, b = b, a
			}
			keys = append(keys, a+" "+b)
		}
	}
	return keys
}

// appendOnce appends a party unless it is already last (a party's names
// share words).
func appendOnce(s []int32, i int32) []int32 {
	if len(s) > 0 && s[len(s)-1] == i {
		return s
	}
	return append(s, i)
}

// similarWords returns the vocabulary words that may be word w (skeleton
// sk) with their similarity, from the cache when seen before.
func (x *index) similarWords(w, sk string, org bool) []wordSim {
	key := w
	if org {
		key = "\x00" + w // organisations also accept abbreviations
	}
	if v, ok := x.similar.Load(key); ok {
		return v.([]wordSim)
	}
	var out []wordSim
	try := func(id uint32) {
		for _, s := range out {
			if s.word == id {
				return
			}
		}
		if sim := tokenSim(w, x.words[id], sk, x.skels[id], org); sim > 0 {
			out = append(out, wordSim{id, sim})
		}
	}
	if id, ok := x.vocab[w]; ok {
		try(id)
	}
	if org {
		for _, a := range abbreviationsOf(w) {
			if id, ok := x.vocab[a]; ok {
				try(id)
			}
		}
	}
	for _, id := range x.bySkel[sk] {
		try(id)
	}
	if len(w) > affixLen {
		for _, id := range x.byPrefix[w[:affixLen]] {
			try(id)
		}
		for _, id := range x.bySuffix[w[len(w)-affixLen:]] {
			try(id)
		}
		for _, id := range x.byEnds[ends(w)] {
			try(id)
		}
	}
	if x.nSimilar.Load() < maxSimilar {
		if _, loaded := x.similar.LoadOrStore(key, out); !loaded {
			x.nSimilar.Add(1)
		}
	}
	return out
}

// scratch is one Screen call's working memory, pooled: per party a
// generation mark (a candidate in this call), the number of the
// designation's words it shares and the last word counted; the
// candidates; and, per designation word, the party words it may be.
type scratch struct {
	mark    []uint32
	count   []uint8
	lastTok []uint32
	gen     uint32
	tokSeq  uint32
	cands   []int32
	sims    [][][]wordSim // [name][word] → similar vocabulary words
	// wordMark (this call's generation) and wordNames say, per vocabulary
	// word, which of the designation's names (a bit each, the 64th for
	// all after it) have a word like it: a party name sharing none with a
	// designation name is not scored against it.
	wordMark  []uint32
	wordNames []uint64
	// wordHead starts, per vocabulary word, its list in entries: the
	// designation words (name k, word i) it is like, and how much.
	wordHead []int32
	entries  []simEntry
}

type simEntry struct {
	k, i int32
	sim  float64
	next int32 // -1 ends the list
}

func (x *index) newScratchPool(n int) *sync.Pool {
	words := len(x.words)
	return &sync.Pool{New: func() any {
		return &scratch{mark: make([]uint32, n), count: make([]uint8, n), lastTok: make([]uint32, n),
			wordMark: make([]uint32, words), wordNames: make([]uint64, words), wordHead: make([]int32, words)}
	}}
}

// nameBit is designation name k's bit in wordNames.
func nameBit(k int) uint64 { return 1 << min(k, 63) }

// markWords records, per similar vocabulary word, which designation
// names and words it is like.
func (sc *scratch) markWords() {
	sc.entries = sc.entries[:0]
	for k, name := range sc.sims {
		for i, ws := range name {
			for _, w := range ws {
				if sc.wordMark[w.word] != sc.gen {
					sc.wordMark[w.word] = sc.gen
					sc.wordNames[w.word] = 0
					sc.wordHead[w.word] = -1
				}
				sc.wordNames[w.word] |= nameBit(k)
				sc.entries = append(sc.entries, simEntry{int32(k), int32(i), w.sim, sc.wordHead[w.word]})
				sc.wordHead[w.word] = int32(len(sc.entries) - 1)
			}
		}
	}
}

// simOf is how like designation name k's word i a vocabulary word is, as
// the index found it; ok is false when it did not.
func (sc *scratch) simOf(k, i int, word uint32) (sim float64, ok bool) {
	if sc.wordMark[word] != sc.gen {
		return 0, false
	}
	for e := sc.wordHead[word]; e >= 0; e = sc.entries[e].next {
		if x := &sc.entries[e]; int(x.k) == k && int(x.i) == i {
			return x.sim, true
		}
	}
	return 0, false
}

// namesSharing is the designation names that share a word with a party
// name (its vocabulary ids).
func (sc *scratch) namesSharing(ids []uint32) uint64 {
	var m uint64
	for _, id := range ids {
		if sc.wordMark[id] == sc.gen {
			m |= sc.wordNames[id]
		}
	}
	return m
}

func (sc *scratch) reset() {
	sc.gen++
	if sc.gen == 0 { // wrapped: old marks would read as this call's
		clear(sc.mark)
		clear(sc.wordMark)
		sc.gen = 1
	}
	sc.cands = sc.cands[:0]
	sc.sims = sc.sims[:0]
}

// nextWord starts counting the parties one designation word finds, each
// once however many of its words are alike.
func (sc *scratch) nextWord() {
	sc.tokSeq++
	if sc.tokSeq == 0 {
		clear(sc.lastTok)
		sc.tokSeq = 1
	}
}

// add counts weight shared words for each party, making it a candidate.
func (sc *scratch) add(parties []int32, weight uint8) {
	for _, p := range parties {
		if sc.mark[p] != sc.gen {
			sc.mark[p] = sc.gen
			sc.count[p] = 0
			sc.cands = append(sc.cands, p)
		}
		if sc.lastTok[p] != sc.tokSeq {
			sc.lastTok[p] = sc.tokSeq
			sc.count[p] = min(sc.count[p]+weight, 200)
		}
	}
}

// countOnly counts a word for parties already candidates: a common word
// finds nobody but still counts for whom a rarer word found.
func (sc *scratch) countOnly(parties []int32) {
	for _, p := range parties {
		if sc.mark[p] == sc.gen && sc.lastTok[p] != sc.tokSeq {
			sc.lastTok[p] = sc.tokSeq
			sc.count[p] = min(sc.count[p]+1, 200)
		}
	}
}

// candidates collects into sc the parties that share a wallet, an
// identifier, a word that is not common or a pair of word skeletons with
// the designation d, then keeps those sharing enough words to be it: two,
// or one when either side has a one-word name (a company's).
func (x *index) candidates(d *subject, sc *scratch) {
	for _, w := range d.wallets {
		sc.nextWord()
		sc.add(x.byWallet[w], 2)
	}
	for _, id := range d.idents {
		sc.nextWord()
		sc.add(x.byIdent[id], 2)
	}
	org := d.kind != tracker.KindPerson
	dMin := 2
	var common [][]int32
	for k := range d.names {
		n := &d.names[k]
		dMin = min(dMin, len(n.toks))
		sims := make([][]wordSim, len(n.toks))
		for j, t := range n.toks {
			sims[j] = x.similarWords(t, n.skels[j], org)
			sc.nextWord()
			for _, s := range sims[j] {
				if len(x.postings[s.word]) <= x.common {
					sc.add(x.postings[s.word], 1)
				} else {
					common = append(common, x.postings[s.word])
				}
			}
		}
		sc.sims = append(sc.sims, sims)
		for _, key := range pairKeys(n) {
			sc.nextWord()
			sc.add(x.byPair[key], 2)
		}
	}
	for _, c := range common {
		sc.nextWord()
		sc.countOnly(c)
	}
	sc.markWords()
	sc.cands = slices.DeleteFunc(sc.cands, func(p int32) bool {
		return int(sc.count[p]) < min(dMin, int(x.minWords[p]))
	})
}
