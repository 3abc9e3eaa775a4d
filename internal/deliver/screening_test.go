package deliver

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

// counterparties: C-1 is VASINSKYI (same name in another order, same
// birth date and country); C-2 his namesake, born elsewhere on another
// day; W-1 holds a wallet of another designation.
const counterparties = "ref,name,kind,birth_date,country,wallets,segment\n" +
	"C-1,Yaroslav Vasinskyi,person,1999-10-20,Ukraine,,exchange customers\n" +
	"C-2,yaroslav VASINSKYI,person,1985-02-01,Poland,,suppliers\n" +
	"W-1,Some Wallet Holder,,,,0x901BB9583B24D97E995513C6778DC6888AB6870E,\n"

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// screenedFixture is a fixture whose planner screens against a
// counterparty file in its temporary directory.
func screenedFixture(t *testing.T) (*fixture, string) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "counterparties.csv")
	writeFile(t, path, counterparties)
	f.planner.Screening = &Screening{Path: path, Channel: "#kyc", Mention: "<!here>"}
	return f, path
}

func vasinskyi(birth string, aliases ...string) *tracker.Entity {
	e := &tracker.Entity{ID: "33859", Kind: tracker.KindPerson, Name: "VASINSKYI, Yaroslav", Programs: []string{"CYBER2"},
		BirthDates: []string{birth}, BirthPlaces: []string{"Ukraine"}, Nationalities: []string{"Ukraine"}}
	for _, a := range aliases {
		e.Aliases = append(e.Aliases, tracker.Alias{Name: a, Type: "aka"})
	}
	e.Canonicalize()
	return e
}

func lifshits() *tracker.Entity {
	e := &tracker.Entity{ID: "29702", Kind: tracker.KindPerson, Name: "LIFSHITS, Artem Mikhaylovich", Programs: []string{"CYBER2"},
		Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - ETH", Value: "0x901bb9583b24d97e995513c6778dc6888ab6870e"}}}
	e.Canonicalize()
	return e
}

// queuedHits returns the screening alerts of the outbox, oldest first.
func queuedHits(t *testing.T, st *store.Store) []*notify.ScreeningHit {
	t.Helper()
	ds, err := st.Deliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []*notify.ScreeningHit
	for _, d := range ds {
		var a notify.Alert
		if err := json.Unmarshal(d.Payload, &a); err != nil {
			t.Fatal(err)
		}
		if a.Screening != nil {
			if d.Channel != "#kyc" || a.Channel != "#kyc" {
				t.Errorf("hit to %q, want #kyc", d.Channel)
			}
			out = append(out, a.Screening)
		}
	}
	return out
}

// notices returns the operator notices of the outbox.
func notices(t *testing.T, st *store.Store) []string {
	t.Helper()
	ds, err := st.Deliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		var a notify.Alert
		if err := json.Unmarshal(d.Payload, &a); err != nil {
			t.Fatal(err)
		}
		if a.Operator != "" {
			out = append(out, a.Operator)
		}
	}
	return out
}

// hitLine sums up a queued hit: "C-1 33859 hit", "C-1 33859 amended
// no-match".
func hitLine(h *notify.ScreeningHit) string {
	s := h.Party.Ref + " " + h.ID + " " + cmp.Or(h.Update, "hit")
	if h.NoLongerMatches {
		s += " no-match"
	}
	return s
}

// TestScreeningLifecycle follows one designation through the publications
// that concern screening, each step adding what it raises: the baseline
// raises nothing (not even the wallet holder of a designation in it); the
// designation raises its counterparty once, not the namesake; a snapshot
// that leaves it alone, a retraction and re-import of the same content,
// and a second dispatcher run raise nothing; amendments are updates; the
// removal is one, and listing it again is a new possible match.
func TestScreeningLifecycle(t *testing.T) {
	f, _ := screenedFixture(t)
	ctx := context.Background()
	steps := []struct {
		name    string
		do      func() *store.SaveResult
		raised  []string
		retract bool
	}{
		{"baseline", func() *store.SaveResult { return f.save("2021-10-29", entity("1", "ACME", "CYBER2"), lifshits()) }, nil, false},
		{"designated", func() *store.SaveResult {
			return f.save("2021-11-08", entity("1", "ACME", "CYBER2"), lifshits(), vasinskyi("1999-10-20"))
		}, []string{"C-1 33859 hit"}, true},
		{"designated again after a retraction", func() *store.SaveResult {
			return f.save("2021-11-08", entity("1", "ACME", "CYBER2"), lifshits(), vasinskyi("1999-10-20"))
		}, nil, false},
		{"other change", func() *store.SaveResult {
			return f.save("2021-11-09", entity("1", "ACME CORP", "CYBER2"), lifshits(), vasinskyi("1999-10-20"))
		}, nil, false},
		{"amended, still a match", func() *store.SaveResult {
			return f.save("2021-11-10", entity("1", "ACME CORP", "CYBER2"), lifshits(), vasinskyi("1999-10-20", "Rabotnik"))
		}, []string{"C-1 33859 amended"}, false},
		{"amended out of the match", func() *store.SaveResult {
			return f.save("2021-11-11", entity("1", "ACME CORP", "CYBER2"), lifshits(), vasinskyi("1999-10-21", "Rabotnik"))
		}, []string{"C-1 33859 amended no-match"}, false},
		{"amended back", func() *store.SaveResult {
			return f.save("2021-11-12", entity("1", "ACME CORP", "CYBER2"), lifshits(), vasinskyi("1999-10-20", "Rabotnik"))
		}, []string{"C-1 33859 amended"}, false},
		{"removed", func() *store.SaveResult {
			return f.save("2021-11-13", entity("1", "ACME CORP", "CYBER2"), lifshits())
		}, []string{"C-1 33859 removed"}, false},
		{"listed again", func() *store.SaveResult {
			return f.save("2021-11-14", entity("1", "ACME CORP", "CYBER2"), lifshits(), vasinskyi("1999-10-20", "Rabotnik"))
		}, []string{"C-1 33859 hit"}, false},
	}
	var want []string
	for _, step := range steps {
		res := step.do()
		if !res.Created {
			t.Fatalf("%s: no snapshot stored", step.name)
		}
		want = append(want, step.raised...)
		var got []string
		for _, h := range queuedHits(t, f.st) {
			got = append(got, hitLine(h))
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Fatalf("after %s: raised %q, want %q", step.name, got, want)
		}
		f.run()
		if r := f.run(); r.Sent != 0 {
			t.Fatalf("after %s: a second dispatcher run sent %d", step.name, r.Sent)
		}
		if step.retract {
			if _, err := f.st.Retract(ctx, res.Snapshot.ID, "test: published again", false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := notices(t, f.st); len(n) != 0 {
		t.Errorf("operator notices %q, want none", n)
	}
	hits, err := f.st.ScreeningHits(ctx)
	if err != nil || len(hits) != 1 || hits[0].PartyRef != "C-1" || hits[0].Raised != store.RaisedHit {
		t.Fatalf("recorded hits %+v, %v: want C-1's pair, raised last as a hit", hits, err)
	}
	var kyc []string
	for _, p := range f.api.posts() {
		if p.channel == "#kyc" {
			kyc = append(kyc, p.text)
		}
	}
	if len(kyc) != 6 || !strings.HasPrefix(kyc[0], "<!here> Possible match: your C-1 'Yaroslav Vasinskyi' ↔ US OFAC (SDN List) 33859 VASINSKYI, Yaroslav — ") {
		t.Errorf("posts to #kyc: %d, first %q", len(kyc), kyc)
	}
}

func polyanin() *tracker.Entity {
	e := &tracker.Entity{ID: "33858", Kind: tracker.KindPerson, Name: "POLYANIN, Yevgeniy Igorevich", Programs: []string{"CYBER2"},
		BirthDates: []string{"1993-03-04"}, Nationalities: []string{"Russia"}}
	e.Canonicalize()
	return e
}

const polyaninRow = "C-3,Yevgeniy Igorevich Polyanin,person,1993-03-04,Russia,,\n"

// TestScreeningFileTroubles: the counterparty file is read again when it
// changes; bad rows, a file that cannot be read and a failure of
// screening itself are each told to operators once, and never cost the
// snapshot or its change alerts.
func TestScreeningFileTroubles(t *testing.T) {
	tests := []struct {
		name string
		// before runs after the baseline, before the designations.
		before      func(t *testing.T, f *fixture, path string)
		raised      []string
		wantNotices []string // a part of each notice, in order
	}{
		{"file changed: read again", func(t *testing.T, f *fixture, path string) {
			writeFile(t, path, counterparties+polyaninRow)
		}, []string{"C-1 33859 hit", "C-3 33858 hit"}, nil},
		{"bad rows: skipped, logged", func(t *testing.T, f *fixture, path string) {
			writeFile(t, path, counterparties+"B-1,Bad Birth,person,1999-13-01,,,\n"+polyaninRow)
		}, []string{"C-1 33859 hit", "C-3 33858 hit"}, nil},
		{"unreadable: the version read before is used, told once", func(t *testing.T, f *fixture, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, []string{"C-1 33859 hit"}, []string{"screening: counterparty file: stat %s: no such file or directory. Screening goes on with the version of the file read before (3 counterparties"}},
		{"never readable: nothing screened, told once", func(t *testing.T, f *fixture, path string) {
			f.planner.Screening.cur = nil
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{"screening: counterparty file: stat %s: no such file or directory. No designation is screened"}},
		{"screening fails: rolled back, told", func(t *testing.T, f *fixture, path string) {
			db, err := sql.Open("sqlite3", f.dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`DROP TABLE screening_hits`); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{"screening snapshot #3 failed: screening hits of ofac-sdn: no such table", "screening snapshot #4 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, path := screenedFixture(t)
			f.save("2021-10-29", entity("1", "ACME", "CYBER2"))
			// The file is read for the first time by a snapshot that
			// raises nothing.
			f.save("2021-11-01", entity("1", "ACME CORP", "CYBER2"))
			tt.before(t, f, path)
			for i, es := range [][]*tracker.Entity{
				{entity("1", "ACME CORP", "CYBER2"), vasinskyi("1999-10-20")},
				{entity("1", "ACME CORP", "CYBER2"), vasinskyi("1999-10-20"), polyanin()},
			} {
				res := f.save("2021-11-0"+string(rune('8'+i)), es...)
				if !res.Created || len(res.Changes) != 1 {
					t.Fatalf("snapshot %d: created %v, %d changes", i+3, res.Created, len(res.Changes))
				}
			}
			var got []string
			for _, h := range queuedHits(t, f.st) {
				got = append(got, hitLine(h))
			}
			if strings.Join(got, "; ") != strings.Join(tt.raised, "; ") {
				t.Errorf("raised %q, want %q", got, tt.raised)
			}
			ns := notices(t, f.st)
			if len(ns) != len(tt.wantNotices) {
				t.Fatalf("notices %q, want %d", ns, len(tt.wantNotices))
			}
			for i, w := range tt.wantNotices {
				if w = strings.ReplaceAll(w, "%s", path); !strings.Contains(ns[i], w) {
					t.Errorf("notice %d = %q, want it to contain %q", i, ns[i], w)
				}
			}
			if r := f.run(); r.Sent != 3+len(tt.raised)+len(tt.wantNotices) {
				t.Errorf("sent %d alerts, want the 3 of the changes, %d hits and %d notices", r.Sent, len(tt.raised), len(tt.wantNotices))
			}
		})
	}
}

// TestScreeningScope: only the screened lists and regimes are screened;
// by default every list and every regime.
func TestScreeningScope(t *testing.T) {
	for _, tt := range []struct {
		name           string
		lists, regimes []string
		raised         int
	}{
		{"defaults", nil, nil, 1},
		{"list screened", []string{"eu-fsf", "ofac-sdn"}, nil, 1},
		{"list not screened", []string{"eu-fsf"}, nil, 0},
		{"regime screened, any case", nil, []string{"cyber2"}, 1},
		{"regime not screened", nil, []string{"SDGT"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := screenedFixture(t)
			f.planner.Screening.Lists, f.planner.Screening.Regimes = tt.lists, tt.regimes
			f.save("2021-10-29", entity("1", "ACME", "SDGT"))
			f.save("2021-11-08", entity("1", "ACME", "SDGT"), vasinskyi("1999-10-20"))
			if got := len(queuedHits(t, f.st)); got != tt.raised {
				t.Errorf("raised %d, want %d", got, tt.raised)
			}
		})
	}
}

// TestScreeningPanicIsAnError: a matcher that panics fails the screening
// of the change, not the process or the snapshot.
func TestScreeningPanicIsAnError(t *testing.T) {
	sc := &Screening{}
	ch := tracker.Change{Kind: tracker.Added, ID: "33859", Name: "VASINSKYI, Yaroslav", Entity: vasinskyi("1999-10-20")}
	out, err := sc.raisesFor(&screenerState{}, tracker.Snapshot{ID: 2, List: "ofac-sdn"}, &ch, nil)
	if err == nil || out != nil || !strings.Contains(err.Error(), "screening ofac-sdn 33859: panic:") {
		t.Fatalf("raisesFor with a broken screener = %v, %v; want an error naming the designation", out, err)
	}
}

// TestScreeningReadableAgain: operators hear once that the file cannot be
// read, and once that it can again; the new version is then used.
func TestScreeningReadableAgain(t *testing.T) {
	f, path := screenedFixture(t)
	f.save("2021-10-29", entity("1", "ACME", "CYBER2"))
	f.save("2021-11-01", entity("1", "ACME CORP", "CYBER2"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	f.save("2021-11-02", entity("1", "ACME CO", "CYBER2"))
	f.save("2021-11-03", entity("1", "ACME CO", "CYBER2"), vasinskyi("1999-10-20"))
	writeFile(t, path, counterparties+polyaninRow)
	f.save("2021-11-04", entity("1", "ACME CO", "CYBER2"), vasinskyi("1999-10-20"), polyanin())
	ns := notices(t, f.st)
	if len(ns) != 2 || !strings.Contains(ns[0], "no such file") || !strings.Contains(ns[1], "can be read again") {
		t.Fatalf("notices %q, want one that it cannot be read, one that it can", ns)
	}
	var got []string
	for _, h := range queuedHits(t, f.st) {
		got = append(got, hitLine(h))
	}
	if want := "C-1 33859 hit; C-3 33858 hit"; strings.Join(got, "; ") != want {
		t.Errorf("raised %q, want %q", got, want)
	}
}

// TestScreeningSharesTheAlertChannel: several hits of one snapshot and its
// change alert may go to one channel; each is its own delivery, sent once.
func TestScreeningSharesTheAlertChannel(t *testing.T) {
	f, _ := screenedFixture(t)
	f.planner.Screening.Channel = "#sanctions"
	f.save("2021-10-29", entity("1", "ACME", "CYBER2"))
	f.save("2021-11-08", entity("1", "ACME", "CYBER2"), vasinskyi("1999-10-20"), lifshits())
	ds, err := f.st.Deliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 {
		t.Fatalf("%d deliveries, want the change alert and two hits", len(ds))
	}
	if r := f.run(); r.Sent != 3 || len(r.Failed) != 0 {
		t.Fatalf("run: %+v", r)
	}
	var texts []string
	for _, p := range f.api.posts() {
		if p.channel != "#sanctions" {
			t.Errorf("posted to %s", p.channel)
		}
		texts = append(texts, p.text)
	}
	if len(texts) != 3 || !strings.Contains(texts[1], "your W-1") || !strings.Contains(texts[2], "your C-1") {
		t.Errorf("posts %q: want the changes, then W-1's and C-1's hits (the diff's order)", texts)
	}
	if r := f.run(); r.Sent != 0 {
		t.Errorf("second run sent %d", r.Sent)
	}
}

// TestScreeningWarm: the daemon reads the counterparty file ahead, so the
// first snapshot does not index it inside its transaction; a file missing
// then is left for that snapshot to report (its notice is not used up).
func TestScreeningWarm(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parties.csv")
	sc := &Screening{Path: path, Threshold: 0.88}
	if err := sc.Warm(context.Background()); err == nil {
		t.Fatal("Warm of a missing file: no error")
	}
	if sc.failing || sc.cur != nil {
		t.Fatalf("a failed Warm changed the state: failing %v, read %v", sc.failing, sc.cur != nil)
	}
	if err := os.WriteFile(path, []byte("ref,name\nC-1,Yaroslav Vasinsky\nC-2,Some Supplier Ltd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sc.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, notices := sc.current(context.Background())
	if st == nil || len(st.parties) != 2 || len(notices) != 0 {
		t.Fatalf("after Warm: state %v, notices %q; want 2 parties and no notice", st, notices)
	}
}
