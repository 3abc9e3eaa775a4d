package screen

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

func TestParseRowsAndProblems(t *testing.T) {
	data := "ref,name,kind,birth_date,country,identifiers,wallets,aliases,segment\n" +
		"ACME-17,Wuhan Xiaoruizhi Science and Technology Co,organisation,,China,,,,suppliers\n" +
		"P-1,Guangzong Zhao,person,1980-13,China,,,,\n" +
		"P-2,,person,,,,,,\n" +
		"P-3,Ni Gaobin,robot,,,,,,\n" +
		"W-1,Some Wallet Holder,,,,,0xABCDEF0123456789abcdef0123456789ABCDEF01,,\n" +
		"ACME-17,Duplicate,,,,,,,\n"
	f, err := Parse([]byte(data), "parties.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Parties) != 2 {
		t.Fatalf("parties = %d, want 2: %+v", len(f.Parties), f.Parties)
	}
	if got := f.Parties[0].Extra; len(got) != 1 || got[0] != (Field{"segment", "suppliers"}) {
		t.Errorf("extra = %+v", got)
	}
	want := []string{
		`parties.csv:3:4: birth_date "1980-13": want YYYY, YYYY-MM or YYYY-MM-DD`,
		`parties.csv:4:2: empty name`,
		`parties.csv:5:3: kind "robot": want person, organisation or vessel`,
		`parties.csv:7:1: ref "ACME-17" already on line 2`,
	}
	checkProblems(t, f.Problems, want)
}

func TestScreenWalletMixedCase(t *testing.T) {
	f, err := Parse([]byte("ref,name,wallets\nW-1,Holder,0xABCDEF0123456789abcdef0123456789ABCDEF01\n"), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	s := New(f.Parties, Options{})
	e := &tracker.Entity{ID: "1", Kind: tracker.KindEntity, Name: "SOMETHING ELSE",
		Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - ETH", Value: "0xabcdef0123456789abcdef0123456789abcdef01"}}}
	hits := s.Screen("ofac-sdn", e)
	if len(hits) != 1 || hits[0].Party.Ref != "W-1" || !strings.Contains(hits[0].Reason(), "wallet") {
		t.Fatalf("hits = %+v", hits)
	}
}

// TestScreenCases screens one designation against a few parties and checks
// who is hit, with what reasons.
func TestScreenCases(t *testing.T) {
	person := func(name string, dobs ...string) *tracker.Entity {
		return &tracker.Entity{ID: "D", Kind: tracker.KindPerson, Name: name, BirthDates: dobs, Nationalities: []string{"Russia"}}
	}
	org := func(name, country string) *tracker.Entity {
		return &tracker.Entity{ID: "D", Kind: tracker.KindEntity, Name: name, Addresses: []tracker.Address{{Country: country}}}
	}
	btc := "bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6"
	for _, tt := range []struct {
		name    string
		party   Party
		d       *tracker.Entity
		hit     bool
		matched []string // all in Hit.Matched when hit
	}{
		{"transliteration Aleksandr/Alexander", Party{Name: "Alexander Ivanovich Kuznetsov", Kind: tracker.KindPerson},
			person("KUZNETSOV, Aleksandr Ivanovich"), true, []string{"name"}},
		{"transliteration Yevgeniy/Evgeny, dob agrees", Party{Name: "Evgeny Polyakov", Kind: tracker.KindPerson, BirthDate: "1980-03-04"},
			person("POLYAKOV, Yevgeniy", "1980-03-04"), true, []string{"name", "birth date"}},
		{"word order and missing middle name", Party{Name: "Maksim Yakubets", Kind: tracker.KindPerson},
			person("YAKUBETS, Maksim Viktorovich", "1987-05-20"), true, []string{"name"}},
		{"one typo", Party{Name: "Maksim Yakubetz", Kind: tracker.KindPerson},
			person("YAKUBETS, Maksim Viktorovich"), true, []string{"name"}},
		{"diacritics", Party{Name: "José Müller", Kind: tracker.KindPerson},
			person("MULLER, Jose"), true, []string{"name"}},
		{"namesake with another birth date", Party{Name: "Maksim Yakubets", Kind: tracker.KindPerson, BirthDate: "1962-01-01"},
			person("YAKUBETS, Maksim Viktorovich", "1987-05-20"), false, nil},
		{"same surname, another first name", Party{Name: "Igor Yakubets", Kind: tracker.KindPerson},
			person("YAKUBETS, Maksim Viktorovich"), false, nil},
		{"legal form dropped", Party{Name: "Wuhan Xiaoruizhi Science and Technology", Kind: tracker.KindEntity, Country: "China"},
			org("WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY COMPANY, LIMITED", "China"), true, []string{"name", "country"}},
		{"abbreviated words and legal form", Party{Name: "Wuhan Xiaoruizhi Sci. & Tech. Co.", Country: "China"},
			org("WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY COMPANY, LIMITED", "China"), true, []string{"name", "country"}},
		{"a person is not a company", Party{Name: "Wuhan Xiaoruizhi", Kind: tracker.KindPerson},
			org("WUHAN XIAORUIZHI LIMITED", "China"), false, nil},
		{"company with one more word", Party{Name: "Rosneft Trading", Kind: tracker.KindEntity, Country: "Switzerland"},
			org("ROSNEFT", "Russia"), false, nil},
		{"BTC address exact", Party{Name: "Nobody Alike", Wallets: []string{btc}},
			&tracker.Entity{ID: "D", Kind: tracker.KindPerson, Name: "SOMEONE ELSE", Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - XBT", Value: btc}}},
			true, []string{"wallet"}},
		{"BTC address one character off", Party{Name: "Nobody Alike", Wallets: []string{btc[:len(btc)-1] + "7"}},
			&tracker.Entity{ID: "D", Kind: tracker.KindPerson, Name: "SOMEONE ELSE", Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - XBT", Value: btc}}},
			false, nil},
		{"IMO number", Party{Name: "Some Ship", Kind: tracker.KindVessel, Identifiers: []string{"IMO 9502453"}},
			&tracker.Entity{ID: "D", Kind: tracker.KindVessel, Name: "OTHER NAME", Identifiers: []tracker.Identifier{{Type: "Vessel Registration Identification", Value: "IMO 9502453"}}},
			true, []string{"identifier"}},
		{"passport number, other layout", Party{Name: "Nobody Alike", Kind: tracker.KindPerson, Identifiers: []string{"p-1234 5678"}},
			&tracker.Entity{ID: "D", Kind: tracker.KindPerson, Name: "SOMEONE ELSE", Identifiers: []tracker.Identifier{{Type: "Passport", Value: "P12345678"}}},
			true, []string{"identifier"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.party.Ref = "P"
			hits := New([]Party{tt.party}, Options{}).Screen("ofac-sdn", tt.d)
			if got := len(hits) > 0; got != tt.hit {
				t.Fatalf("hit = %v, want %v: %+v", got, tt.hit, hits)
			}
			for _, m := range tt.matched {
				if !slices.Contains(hits[0].Matched, m) {
					t.Errorf("matched = %v, want %q in it", hits[0].Matched, m)
				}
			}
			if tt.hit && slices.Contains(tt.matched, "name") && hits[0].MatchedName == "" {
				t.Errorf("no MatchedName: %+v", hits[0])
			}
		})
	}
}

func TestParseYAML(t *testing.T) {
	data := `- ref: ACME-17
  name: Wuhan Xiaoruizhi Sci. & Tech. Co.
  kind: organisation
  country: China
  segment: suppliers
- ref: P-1
  name: Guangzong Zhao
  kind: person
  birth_date: 1980-13
- ref: P-2
  name: Ni Gaobin
  aliases: [Gaobin Ni, "NI, Gaobin"]
  wallets:
    - 0xABCDEF0123456789abcdef0123456789ABCDEF01
  identifiers: P1234567; 110105198011113333
- just a string
- ref: P-3
  name: {first: Ni}
- name: No Ref
- ref: ACME-17
  name: Duplicate
`
	f, err := Parse([]byte(data), "parties.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Parties) != 2 {
		t.Fatalf("parties = %+v", f.Parties)
	}
	if got := f.Parties[0].Extra; len(got) != 1 || got[0] != (Field{"segment", "suppliers"}) {
		t.Errorf("extra = %+v", got)
	}
	p := f.Parties[1]
	if len(p.Aliases) != 2 || len(p.Wallets) != 1 || len(p.Identifiers) != 2 || p.Line != 10 {
		t.Errorf("party = %+v", p)
	}
	want := []string{
		`parties.yaml:9:15: birth_date "1980-13": want YYYY, YYYY-MM or YYYY-MM-DD`,
		`parties.yaml:16:3: want a mapping of ref, name, kind, birth_date, country, identifiers, wallets, aliases`,
		`parties.yaml:18:9: name: want a text or a list of texts`,
		`parties.yaml:19:3: no ref`,
		`parties.yaml:20:8: ref "ACME-17" already on line 1`,
	}
	checkProblems(t, f.Problems, want)
	if _, err := Parse([]byte("ref: x\n"), "p.yml"); err == nil || !strings.Contains(err.Error(), "p.yml:1:1: want a list") {
		t.Errorf("a mapping at the top: err = %v", err)
	}
}

// TestParseCSVQuoteError: a quoting mistake is one problem at its
// position, and the rows after it are still read.
func TestParseCSVQuoteError(t *testing.T) {
	f, err := Parse([]byte("ref,name\nA,Bad \"quote\nB,Good Name\n"), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != 1 || !strings.HasPrefix(f.Problems[0].Error(), "p.csv:2:7: ") {
		t.Errorf("problems = %v", f.Problems)
	}
	if len(f.Parties) != 1 || f.Parties[0].Ref != "B" || f.Parties[0].Line != 3 {
		t.Errorf("parties = %+v", f.Parties)
	}
}

// TestScreenAllMatchesScreen: screening on several workers finds what
// screening one designation after another does (and, under -race, shares
// the index and its word cache safely).
func TestScreenAllMatchesScreen(t *testing.T) {
	all := loadReal(t)
	ds := realDesignations(all[:min(len(all), 3000)])
	set := labelled(all[:3000], 20, 20, 200)
	parties := make([]Party, len(set))
	for i := range set {
		parties[i] = set[i].party
	}
	s := New(parties, Options{Threshold: 0.8})
	var want []string
	for _, d := range ds {
		for _, h := range s.Screen(d.List, d.Entity) {
			want = append(want, fmt.Sprintf("%s %s/%s %.4f", h.Party.Ref, h.List, h.ID, h.Score))
		}
	}
	var got []string
	for _, h := range New(parties, Options{Threshold: 0.8}).ScreenAll(ds, 4) {
		got = append(got, fmt.Sprintf("%s %s/%s %.4f", h.Party.Ref, h.List, h.ID, h.Score))
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("ScreenAll found %d hits, Screen one by one %d", len(got), len(want))
	}
}

// checkProblems fails t unless problems are want, in order.
func checkProblems(t *testing.T, problems []*RowError, want []string) {
	t.Helper()
	if len(problems) != len(want) {
		t.Fatalf("problems = %v", problems)
	}
	for i, w := range want {
		if got := problems[i].Error(); got != w {
			t.Errorf("problem %d = %q, want %q", i, got, w)
		}
	}
}
