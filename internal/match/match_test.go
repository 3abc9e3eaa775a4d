package match

import (
	"hash/fnv"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

func TestFold(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"ascii":             {"ZHAO, Guangzong", "ZHAO GUANGZONG"},
		"accents":           {"José Müller-Lüdenscheidt", "JOSE MULLER LUDENSCHEIDT"},
		"cyrillic":          {"Игорь Олегович КОСТЮКОВ", "IGOR OLEGOVICH KOSTIUKOV"},
		"sharp s":           {"Straße", "STRASSE"},
		"apostrophe":        {"O'Brien", "OBRIEN"},
		"ampersand kept":    {"A & B", "A & B"},
		"control and punct": {"X\u00a0Y.\tZ", "X Y Z"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := strings.Join(strings.Fields(Fold(tt.in)), " "); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormaliseName(t *testing.T) {
	tests := map[string]struct {
		a, b string
		org  bool
		same bool // same Full
		skel bool // same SkeletonFull
	}{
		"token order":                {"ZHAO, Guangzong", "Guangzong ZHAO", false, true, true},
		"legal form LIMITED/LTD":     {"WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY COMPANY, LIMITED", "Wuhan Xiaoruizhi Science & Technology Co. Ltd", true, true, true},
		"with and without form":      {"TIANJIN HUAYING HAITAI SCIENCE AND TECHNOLOGY DEVELOPMENT CO. LTD", "Tianjin Huaying Haitai Science and Technology Development", true, true, true},
		"OOO and LLC":                {"OOO Neobit", "NEOBIT LLC", true, true, true},
		"cyrillic OOO":               {"ООО «Необит»", "Neobit, Limited Liability Company", true, true, true},
		"JSC phrase":                 {"Joint Stock Company Sukhoi", "SUKHOI JSC", true, true, true},
		"form kept for persons":      {"Limited Person", "Person", false, false, false},
		"Aleksandr/Alexander":        {"Aleksandr IVANOV", "Alexander Ivanov", false, false, true},
		"Yevgeniy/Evgeny/Evgenii":    {"Yevgeniy Viktorovich POLYAKOV", "Evgenii Viktorovich POLIAKOV", false, false, true},
		"Iskritskiy/Iskritsky":       {"Mikhail ISKRITSKIY", "ISKRITSKY, Mikhail", false, false, true},
		"Mikhailov/Mikhaylov":        {"Maksim MIKHAILOV", "Maxim Mikhaylov", false, false, true},
		"different names stay apart": {"Ivan PETROV", "Ivan SIDOROV", false, false, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			a, b := NormaliseName(tt.a, tt.org), NormaliseName(tt.b, tt.org)
			if got := a.Full() == b.Full(); got != tt.same {
				t.Errorf("Full: %q vs %q: same = %v, want %v", a.Full(), b.Full(), got, tt.same)
			}
			if got := a.SkeletonFull() == b.SkeletonFull(); got != tt.skel {
				t.Errorf("Skeleton: %q vs %q: same = %v, want %v", a.SkeletonFull(), b.SkeletonFull(), got, tt.skel)
			}
		})
	}
}

func TestIdentifiers(t *testing.T) {
	tests := map[string]struct {
		e    tracker.Entity
		want []string // keys
	}{
		"hex wallet lower-cased": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - ETH", Value: "0xAbCdEf0123456789aBcDeF0123456789ABCDEF01"}}},
			[]string{"i:wallet:0xabcdef0123456789abcdef0123456789abcdef01"}},
		"base58 wallet exact": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - XBT", Value: "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"}}},
			[]string{"i:wallet:1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"}},
		"bech32 wallet exact": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Digital Currency Address - XBT", Value: "bc1qsc7mgc5k2ur0pzgawt0mf5ff4p6tn2dzzwxfqs"}}},
			[]string{"i:wallet:bc1qsc7mgc5k2ur0pzgawt0mf5ff4p6tn2dzzwxfqs"}},
		"IMO in OFAC's vessel registration": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Vessel Registration Identification", Value: "IMO 9502453"}}},
			[]string{"i:imo:9502453"}},
		"IMO in the UK's field": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "IMO", Value: "9502453"}}},
			[]string{"i:imo:9502453"}},
		"two passports in one field": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Passport", Value: "(1) 223611 (2) C00146605", Note: "(1) Libya number"}}},
			[]string{"i:document:223611", "i:document:C00146605"}},
		"spaces inside a number": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Passport", Value: "0801 547363"}}},
			[]string{"i:document:0801547363"}},
		"words after a number": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Passport", Value: "D 000912 (Afghan) issued 1998"}}},
			[]string{"i:document:D000912"}},
		"label before a number": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "National ID", Value: "TIN: 780245503097"}}},
			[]string{"i:document:780245503097"}},
		"too short to identify": {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Passport", Value: "1234"}}}, nil},
		"not an identity":       {tracker.Entity{Identifiers: []tracker.Identifier{{Type: "Gender", Value: "Male"}, {Type: "Email Address", Value: "x@example.invalid"}}}, nil},
		"UK and UN references": {tracker.Entity{Attrs: map[string]string{"uk_ref": "CYB0045", "un_ref": "QDi.001"}},
			[]string{"i:ukref:CYB0045", "i:un:QDI.001"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, id := range Identifiers(&tt.e) {
				got = append(got, id.Key())
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("keys = %q, want %q", got, tt.want)
			}
		})
	}
}

func person(name, dob, nat string, ids ...tracker.Identifier) *tracker.Entity {
	e := &tracker.Entity{ID: name, Kind: tracker.KindPerson, Name: name, Identifiers: ids}
	if dob != "" {
		e.BirthDates = strings.Split(dob, ",")
	}
	if nat != "" {
		e.Nationalities = strings.Split(nat, ",")
	}
	return e
}

func org(name, country string, ids ...tracker.Identifier) *tracker.Entity {
	e := &tracker.Entity{ID: name, Kind: tracker.KindEntity, Name: name, Identifiers: ids}
	if country != "" {
		e.Addresses = []tracker.Address{{Country: country}}
	}
	return e
}

func TestCompare(t *testing.T) {
	natID := func(v, c string) tracker.Identifier {
		return tracker.Identifier{Type: "National ID No.", Value: v, Country: c}
	}
	tests := map[string]struct {
		a, b   *tracker.Entity
		strong bool
		reason string // a part of the verdict's reason or, when not strong, of a conflict
	}{
		// The cases (real designations, 2024-03-25).
		"national ID, UK without its country": {
			person("ZHAO, Guangzong", "1985-11-12", "China", natID("421003198511121539", "China")),
			person("Guangzong ZHAO", "1985-11-12", "China", tracker.Identifier{Type: "National ID", Value: "421003198511121539"}),
			true, "same national ID"},
		"organisation with and without its legal form": {
			org("WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY COMPANY, LIMITED", "China"),
			org("WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY", "China"),
			true, "same name and country"},
		"organisation, same name, other country": {
			org("GLOBAL TRADING LLC", "United Arab Emirates"), org("Global Trading Limited", "Hong Kong"),
			false, "different countries"},
		"organisation, same name, no country": {
			org("GLOBAL TRADING LLC", ""), org("Global Trading Limited", "Hong Kong"), false, ""},
		// Names.
		"same name and birth date": {
			person("MIKHAILOV, Maksim Sergeevich", "1976-07-29", "Ukraine"),
			person("Maksim Sergeevich MIKHAILOV", "1976-07-29", "Ukraine"),
			true, "same name and birth date"},
		"partial birth date matches its full form": {
			person("PETROV, Ivan Ivanovich", "1970", ""), person("Ivan Ivanovich PETROV", "1970-03-01", ""),
			true, "birth date"},
		"namesakes with different birth dates": {
			person("PETROV, Ivan Ivanovich", "1970-03-01", "Russia"), person("Ivan Ivanovich PETROV", "1981-06-30", "Russia"),
			false, "different birth dates"},
		"the same common surname": {
			person("KIM, Chol", "1970-01-01", "North Korea"), person("KIM Il", "1970-01-01", "Korea, North"),
			false, ""},
		"name alone never links": {
			person("PETROV, Ivan Ivanovich", "", ""), person("Ivan Ivanovich PETROV", "", ""), false, ""},
		"name and birth year, nationality contradicts": {
			person("PETROV, Ivan Ivanovich", "1970", "Russia"), person("Ivan Ivanovich PETROV", "1970-03-01", "Bulgaria"),
			false, "different nationalities"},
		"variant name and birth date, nationality contradicts": {
			person("PETROV, Aleksandr", "1970-03-01", "Russia"), person("Alexander PETROV", "1970-03-01", "Bulgaria"),
			false, "different nationalities"},
		// Real: OFAC says Ukraine, the UK Russia (Trickbot, 2023-02-09).
		"full name and full birth date, nationalities differ": {
			person("MIKHAILOV, Maksim Sergeevich", "1976-07-29", "Ukraine"), person("Maksim Sergeevich MIKHAILOV", "1976-07-29", "Russia"),
			true, "nationalities differ"},
		"name and birth date, national ID contradicts": {
			person("WANG, Wei", "1980-01-01", "China", natID("110101198001010011", "China")),
			person("Wei WANG", "1980-01-01", "China", natID("310101198001010022", "China")),
			false, "different national ID numbers"},
		"Aleksandr/Alexander with the same birth date": {
			person("IVANOV, Aleksandr Sergeyevich", "1975-05-05", "Russia"), person("Alexander Sergeevich IVANOV", "1975-05-05", "Russian Federation"),
			true, "spelling variant"},
		"Yevgeniy/Evgeny with the same birth date": {
			person("POLYAKOV, Yevgeniy", "1980-02-02", "Russia"), person("Evgeny POLIAKOV", "1980-02-02", "Russia"),
			true, "spelling variant"},
		"Aleksandr/Alexander with different birth dates": {
			person("IVANOV, Aleksandr", "1975-05-05", ""), person("Alexander IVANOV", "1976-05-05", ""),
			false, "different birth dates"},
		"spelling variant needs the full date": {
			person("IVANOV, Aleksandr", "1975", ""), person("Alexander IVANOV", "1975-05-05", ""), false, ""},
		"no patronymic, same full birth date": {
			person("SEDLETSKI, Valery", "1974-07-29", "Russia"), person("Valery Veniaminovich SEDLETSKI", "1974-07-29", "Russia"),
			true, "middle name"},
		"no patronymic, year only": {
			person("SEDLETSKI, Valery", "1974", ""), person("Valery Veniaminovich SEDLETSKI", "1974-07-29", ""), false, ""},
		// Identifiers.
		"passport, countries differ": {
			person("A B", "", "", tracker.Identifier{Type: "Passport", Value: "123456789", Country: "Russia"}),
			person("C D", "", "", tracker.Identifier{Type: "Passport", Value: "123456789", Country: "Iran"}),
			false, ""},
		"passport, RUSSIAN FEDERATION is Russia": {
			person("MININ, Alexey", "", "", tracker.Identifier{Type: "Passport", Value: "120017582", Country: "Russia"}),
			person("Alexei Veleryevich MININ", "", "", tracker.Identifier{Type: "National passport", Value: "120017582", Country: "RUSSIAN FEDERATION"}),
			true, "same passport"},
		"shared identifier, birth dates contradict": {
			person("A B", "1970-01-01", "", tracker.Identifier{Type: "Passport", Value: "123456789"}),
			person("A B", "1990-01-01", "", tracker.Identifier{Type: "Passport", Value: "123456789"}),
			false, "different birth dates"},
		"wallet": {
			org("X", "", tracker.Identifier{Type: "Digital Currency Address - ETH", Value: "0x7F367cC41522cE07553e823bf3be79A889DEbe1B"}),
			org("Y", "", tracker.Identifier{Type: "Digital Currency Address - USDT", Value: "0x7f367cc41522ce07553e823bf3be79a889debe1b"}),
			true, "same wallet address"},
		"a person is not a company": {
			person("NEOBIT", "", "", tracker.Identifier{Type: "Passport", Value: "123456789"}),
			org("NEOBIT", "", tracker.Identifier{Type: "Passport", Value: "123456789"}),
			false, "different kinds"},
		"UK reference shared by OFSI and FCDO": {
			&tracker.Entity{Kind: tracker.KindPerson, Name: "Gaobin NI", Attrs: map[string]string{"uk_ref": "CYB0046"}},
			&tracker.Entity{Kind: tracker.KindPerson, Name: "NI Gaobin", Attrs: map[string]string{"uk_ref": "CYB0046"}},
			true, "same UK Sanctions List reference"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pa, pb := Prepare(tt.a), Prepare(tt.b)
			// The store compares a new entity with its candidates' facts:
			// the verdict must be the one of the entities themselves.
			fa, fb := roundTrip(t, pa), roundTrip(t, pb)
			for _, dir := range []struct{ x, y *Prepared }{{pa, pb}, {pb, pa}, {pa, fb}, {fb, pa}, {fa, fb}} {
				v := Compare(dir.x, dir.y)
				if v.Strong != tt.strong {
					t.Fatalf("strong = %v, want %v (reasons %q, conflicts %q)", v.Strong, tt.strong, v.Reasons, v.Conflicts)
				}
				if v.Strong && (v.Score <= 0 || v.Score > 1 || len(v.Reasons) == 0) {
					t.Errorf("a strong verdict needs a score in (0, 1] and a reason: %+v", v)
				}
				if !v.Strong && len(v.Reasons) > 0 {
					t.Errorf("reasons without a link: %q", v.Reasons)
				}
				said := v.Reason()
				if !tt.strong {
					said = strings.Join(v.Conflicts, "; ")
				}
				if !strings.Contains(said, tt.reason) {
					t.Errorf("said %q, want it to mention %q", said, tt.reason)
				}
			}
			// A strong link is always found through a shared key.
			if tt.strong {
				x := NewIndex()
				x.Add(pb)
				if c := x.Candidates(pa); len(c) != 1 {
					t.Errorf("%d candidates through the keys, want 1: keys %q and %q", len(c), Keys(pa), Keys(pb))
				}
			}
		})
	}
}

func TestKeysPairPatronymic(t *testing.T) {
	a := Prepare(person("SEDLETSKI, Valery", "", ""))
	b := Prepare(person("Valery Veniaminovich SEDLETSKI", "", ""))
	if !overlaps(Keys(a), Keys(b)) {
		t.Fatalf("no shared key: %q and %q", Keys(a), Keys(b))
	}
	// One word is never a key for a person.
	if k := Keys(Prepare(person("Baget", "", ""))); len(k) != 0 {
		t.Errorf("single-word name keyed: %q", k)
	}
}

// roundTrip returns p as the store reads it back: encoded as facts and
// decoded, which must give the same facts.
func roundTrip(t *testing.T, p *Prepared) *Prepared {
	t.Helper()
	b := p.AppendFacts(nil)
	q, err := DecodeFacts(b)
	if err != nil {
		t.Fatalf("decode facts: %v", err)
	}
	want := *p
	want.Entity = nil
	if !reflect.DeepEqual(normPrepared(q), normPrepared(&want)) {
		t.Fatalf("facts round trip:\n got %+v\nwant %+v", *q, want)
	}
	return q
}

// normPrepared makes empty slices nil: the facts do not tell them apart,
// and neither does Compare.
func normPrepared(p *Prepared) Prepared {
	q := *p
	if len(q.Names) == 0 {
		q.Names = nil
	}
	if len(q.Idents) == 0 {
		q.Idents = nil
	}
	for i := range q.Idents {
		if len(q.Idents[i].Countries) == 0 {
			q.Idents[i].Countries = nil
		}
	}
	if len(q.BirthDates) == 0 {
		q.BirthDates = nil
	}
	if len(q.Nationalities) == 0 {
		q.Nationalities = nil
	}
	if len(q.Countries) == 0 {
		q.Countries = nil
	}
	return q
}

// TestDecodeFactsCorrupt: a cut or foreign blob is an error, never facts.
func TestDecodeFactsCorrupt(t *testing.T) {
	p := Prepare(person("ZHAO, Guangzong", "1985-11-12", "China"))
	b := p.AppendFacts(nil)
	for name, in := range map[string][]byte{
		"empty":          nil,
		"other version":  append([]byte{99}, b[1:]...),
		"cut":            b[:len(b)-3],
		"trailing bytes": append(append([]byte{}, b...), 0),
		"huge count":     {factsVersion, 0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		if _, err := DecodeFacts(in); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// TestKeyHash: the hash the store indexes keys by is FNV-1a, 64 bits.
func TestKeyHash(t *testing.T) {
	for _, k := range []string{"", "p:GNGZNG ZH", "i:document:421003198511121539", "o:WUHAN XIAORUIZHI"} {
		h := fnv.New64a()
		h.Write([]byte(k))
		if got, want := KeyHash(k), int64(h.Sum64()); got != want {
			t.Errorf("KeyHash(%q) = %d, want %d", k, got, want)
		}
	}
}
