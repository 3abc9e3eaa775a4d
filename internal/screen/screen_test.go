package screen

import (
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
	if len(f.Problems) != len(want) {
		t.Fatalf("problems = %v", f.Problems)
	}
	for i, w := range want {
		if got := f.Problems[i].Error(); got != w {
			t.Errorf("problem %d = %q, want %q", i, got, w)
		}
	}
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
