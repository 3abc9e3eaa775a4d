package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/uk"
)

func realOFSI(t testing.TB, day string) NewSnapshot {
	t.Helper()
	path := shareddata.Path(t, "uk/ofsi/"+day+".ConList.from-xlsx.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := uk.ParseConList(context.Background(), []source.RawFile{{Name: filepath.Base(path), Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	return NewSnapshot{List: "uk-ofsi-conlist", Source: day, PublishedAt: pub.PublishedAt, RawSHA256: "ofsi" + day, Entities: pub.Entities}
}

func storeAll(t *testing.T, s *Store, snaps ...NewSnapshot) *SaveResult {
	t.Helper()
	var res *SaveResult
	for _, sn := range snaps {
		var err error
		if res, err = s.SaveSnapshot(context.Background(), sn); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// TestLinksRealTrickbot: OFAC sdn.csv 2023-02-08 → 2023-02-09 (the
// Trickbot designations) with the OFSI list of 2023-06-05 stored: every new
// CYBER2 person is linked to their UK Cyber entry.
func TestLinksRealTrickbot(t *testing.T) {
	s := openTest(t)
	res := storeAll(t, s, benchSnapshot("2023-02-08", benchOFAC(t, "2023-02-08")), realOFSI(t, "2023-06-05"),
		benchSnapshot("2023-02-09", benchOFAC(t, "2023-02-09")))
	n := 0
	for _, c := range res.Changes {
		if c.Kind != tracker.Added || c.EntityKind != tracker.KindPerson || !slices.Contains(c.Programs, "CYBER2") {
			continue
		}
		n++
		i := slices.IndexFunc(c.AlsoListed, func(l tracker.Listing) bool {
			return l.List == "uk-ofsi-conlist" && strings.HasPrefix(l.ID, "CYB") && l.StillListed
		})
		if i < 0 {
			t.Errorf("%s %s: not linked to a UK Cyber entry: %+v", c.ID, c.Name, c.AlsoListed)
			continue
		}
		t.Logf("%s %s → UK %s %s (%s)", c.ID, c.Name, c.AlsoListed[i].ID, c.AlsoListed[i].Name, c.AlsoListed[i].Reason)
	}
	if n != 7 {
		t.Errorf("%d new CYBER2 people, want the 7 Trickbot members", n)
	}
}

// TestLinksRealAPT31: OFAC 2024-03-05 → 2024-05-03 with the OFSI list of
// 2025-04-10: the APT31 designations of 2024-03-25 find their UK entries,
// the two people by their Chinese national ID numbers.
func TestLinksRealAPT31(t *testing.T) {
	s := openTest(t)
	res := storeAll(t, s, benchSnapshot("2024-03-05", benchOFAC(t, "2024-03-05")), realOFSI(t, "2025-04-10"),
		benchSnapshot("2024-05-03", benchOFAC(t, "2024-05-03")))
	want := map[string]struct{ uk, reason string }{
		"47814": {"CYB0045", "same national ID"},      // ZHAO Guangzong
		"47818": {"CYB0046", "same national ID"},      // NI Gaobin
		"47800": {"CYB0044", "same name and country"}, // WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY COMPANY, LIMITED
	}
	for _, c := range res.Changes {
		w, ok := want[c.ID]
		if !ok {
			continue
		}
		delete(want, c.ID)
		i := slices.IndexFunc(c.AlsoListed, func(l tracker.Listing) bool { return l.List == "uk-ofsi-conlist" && l.ID == w.uk })
		if i < 0 || !strings.Contains(c.AlsoListed[i].Reason, w.reason) || c.AlsoListed[i].Designated != "2024-03-25" {
			t.Errorf("%s %s: also listed %+v, want UK %s (%s) designated 2024-03-25", c.ID, c.Name, c.AlsoListed, w.uk, w.reason)
		}
	}
	for id := range want {
		t.Errorf("no added change %s", id)
	}
}

// TestLinksRealPrecision checks every link between OFAC 2024-05-03 and
// OFSI 2025-04-10 (all regimes) against what the matcher does not decide
// alone: a shared identifier number or the same full birth date confirms a
// link; birth dates in different years, or different kinds, make it wrong;
// anything else (an organisation by its name and country) is counted as
// unconfirmed. It also counts the UK Cyber designations with an OFAC
// counterpart.
func TestLinksRealPrecision(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	storeAll(t, s, realOFSI(t, "2025-04-10"), benchSnapshot("2024-05-03", benchOFAC(t, "2024-05-03")))

	rows, err := s.r.QueryContext(ctx, `SELECT entity_id, other_id, reason FROM links WHERE list = 'ofac-sdn' AND other_list = 'uk-ofsi-conlist'`)
	if err != nil {
		t.Fatal(err)
	}
	type pair struct{ us, uk, reason string }
	pairs, err := scanAll(rows, func(r scanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.us, &p.uk, &p.reason)
	})
	if err != nil {
		t.Fatal(err)
	}
	load := func(list, id string) *tracker.Entity {
		var body []byte
		if err := s.r.QueryRowContext(ctx, `SELECT v.body FROM memberships m JOIN entity_versions v ON v.id = m.version_id
			WHERE m.list = ? AND m.entity_id = ? AND m.to_snapshot IS NULL`, list, id).Scan(&body); err != nil {
			t.Fatal(err)
		}
		e, err := tracker.DecodeEntity(body)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	confirmed, unconfirmed := 0, 0
	var wrong []string
	byReason := map[string]int{}
	for _, p := range pairs {
		a, b := load("ofac-sdn", p.us), load("uk-ofsi-conlist", p.uk)
		byReason[p.reason]++
		switch {
		case a.Kind != b.Kind || yearsDiffer(a.BirthDates, b.BirthDates):
			wrong = append(wrong, p.us+" "+a.Name+" "+strings.Join(a.BirthDates, "|")+" ~ "+p.uk+" "+b.Name+" "+strings.Join(b.BirthDates, "|")+" ("+p.reason+")")
		case shareNumber(a, b) || shareFullDate(a.BirthDates, b.BirthDates):
			confirmed++
		default:
			unconfirmed++
		}
	}
	t.Logf("links OFAC 2024-05-03 ↔ OFSI 2025-04-10: %d; confirmed by an identifier or full birth date %d, unconfirmed %d, wrong %d", len(pairs), confirmed, unconfirmed, len(wrong))
	t.Logf("by reason: %v", byReason)
	if len(pairs) < 200 {
		t.Errorf("only %d links: the sample must have at least 200", len(pairs))
	}
	for _, w := range wrong {
		t.Errorf("wrong link: %s", w)
	}

	// Recall on the UK Cyber designations.
	cyber, found := 0, 0
	var missing []string
	ukAll, err := s.Entities(ctx, mustLatest(t, s, "uk-ofsi-conlist"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ukAll {
		if !slices.ContainsFunc(e.Programs, func(p string) bool { return strings.Contains(p, "Cyber") }) {
			continue
		}
		cyber++
		ls, err := s.AlsoListed(ctx, "uk-ofsi-conlist", e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(ls, func(l tracker.Listing) bool { return l.List == "ofac-sdn" }) {
			found++
		} else {
			missing = append(missing, e.ID+" "+e.Name)
		}
	}
	t.Logf("UK Cyber designations with an OFAC counterpart: %d of %d; without: %q", found, cyber, missing)
	if found == 0 {
		t.Error("no UK Cyber designation linked")
	}
}

func mustLatest(t *testing.T, s *Store, list string) *tracker.Snapshot {
	t.Helper()
	sn, err := s.Latest(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// yearsDiffer: both give birth dates and no year is in both. Years are
// read from anywhere in the text: the matcher skips dates it cannot read
// ("circa 1963", "01 Jan 1984 to 31 Dec 1984"), the check does not.
func yearsDiffer(a, b []string) bool {
	ya, yb := years(a), years(b)
	if len(ya) == 0 || len(yb) == 0 {
		return false
	}
	for _, y := range ya {
		if slices.Contains(yb, y) {
			return false
		}
	}
	return true
}

var yearRE = regexp.MustCompile(`\b(1[89]|20)\d\d\b`)

func years(dates []string) []string {
	var out []string
	for _, d := range dates {
		out = append(out, yearRE.FindAllString(d, -1)...)
	}
	return out
}

func shareFullDate(a, b []string) bool {
	for _, x := range a {
		if len(x) == 10 && slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// shareNumber: an identifier value of at least six letters and digits in
// both, compared without spaces and punctuation, whatever its type, or the
// same UK reference.
func shareNumber(a, b *tracker.Entity) bool {
	norm := func(v string) string {
		var sb strings.Builder
		for _, r := range strings.ToUpper(v) {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				sb.WriteRune(r)
			}
		}
		return sb.String()
	}
	seen := map[string]bool{}
	for _, i := range a.Identifiers {
		if v := norm(i.Value); len(v) >= 6 {
			seen[v] = true
		}
	}
	for _, i := range b.Identifiers {
		for _, part := range strings.FieldsFunc(i.Value, func(r rune) bool { return r == '(' || r == ')' || r == ';' || r == ',' }) {
			if seen[norm(part)] {
				return true
			}
		}
		if seen[norm(i.Value)] {
			return true
		}
	}
	return false
}

// TestLinksFirstSnapshotEarly: OFAC's first snapshot beside a keyed OFSI
// list reads its candidates through the reader while it is stored
// (earlyLookup); relinking OFAC whole afterwards, with the candidates read
// on the writer, must give the same links, scores and reasons. The same
// beside OFSI stored alone, keyed in the same transaction: OFAC's
// candidates are then OFSI's prepared entities, found in memory
// (earlyRelink.relinkCandidates).
func TestLinksFirstSnapshotEarly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []NewSnapshot
	}{
		// The second list's first snapshot keys OFSI: OFAC's then finds
		// every other list current, the case the early lookup serves.
		{"other lists keyed", []NewSnapshot{realOFSI(t, "2025-04-10"), smallEU("2025-01-01", "Test Person")}},
		{"other list stored alone", []NewSnapshot{realOFSI(t, "2025-04-10")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			storeAll(t, s, append(tc.before, benchSnapshot("2024-05-03", benchOFAC(t, "2024-05-03")))...)
			early := ofacLinks(t, s)
			if len(early) < 1000 {
				t.Fatalf("%d links of OFAC's first snapshot, want the thousands OFSI shares with it", len(early))
			}
			// OFAC's keys marked stale: the next snapshot of another list
			// relinks OFAC whole.
			if _, err := s.w.ExecContext(ctx, `UPDATE link_state SET snapshot_id = 0 WHERE list = 'ofac-sdn'`); err != nil {
				t.Fatal(err)
			}
			storeAll(t, s, smallEU("2025-02-01", "Test Person Two"))
			if again := ofacLinks(t, s); !slices.Equal(early, again) {
				t.Errorf("early lookup: %d links, relinked whole: %d", len(early), len(again))
				for _, l := range early {
					if !slices.Contains(again, l) {
						t.Errorf("only early: %s", l)
					}
				}
				for _, l := range again {
					if !slices.Contains(early, l) {
						t.Errorf("only relinked: %s", l)
					}
				}
			}
		})
	}
}

// smallEU is a one-entity snapshot of the EU list.
func smallEU(published, name string) NewSnapshot {
	e := linkPerson("EU1", name, "1970-01-01")
	e.Canonicalize()
	return NewSnapshot{List: "eu-fsf", Source: "test", PublishedAt: published, RawSHA256: "eu" + published, Entities: []*tracker.Entity{e}}
}

// ofacLinks returns every stored link of an OFAC entity, both directions.
func ofacLinks(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), `SELECT list, entity_id, other_list, other_id, score, reason FROM links
		WHERE 'ofac-sdn' IN (list, other_list) ORDER BY 1, 2, 3, 4`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := scanAll(rows, func(r scanner) (string, error) {
		var l, id, ol, oid, reason string
		var score float64
		err := r.Scan(&l, &id, &ol, &oid, &score, &reason)
		return fmt.Sprintf("%s %s %s %s %g %s", l, id, ol, oid, score, reason), err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
