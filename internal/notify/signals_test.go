package notify

import (
	"slices"
	"testing"

	"github.com/cybersanctions/tracker"
)

// TestSignals: the lines an alert leads with say whether another
// authority had the designation before this publication (newly joined),
// designated it the same day (coordinated: the US and UK cyber
// designations of 2023-02-09 and 2024-03-25), or only after it (a
// history imported out of order: no signal), and a removal says who still
// lists it, whatever the dates.
func TestSignals(t *testing.T) {
	uk := func(designated string) tracker.Listing {
		return tracker.Listing{List: "uk-sanctions-list", Authority: "UK", ID: "CYB0001", Designated: designated, StillListed: true}
	}
	eu := func(designated string) tracker.Listing {
		return tracker.Listing{List: "eu-fsf", Authority: "EU", ID: "EU.1.1", Designated: designated, StillListed: true}
	}
	delisted := tracker.Listing{List: "eu-fsf", Authority: "EU", ID: "EU.2.2", Designated: "2020-01-01", ListedUntil: "2022-01-01"}
	const published = "2024-03-25"
	for _, tc := range []struct {
		name      string
		kind      tracker.ChangeKind
		published string
		also      []tracker.Listing
		want      []string
	}{
		{"earlier", tracker.Added, published, []tracker.Listing{uk("2023-02-09")},
			[]string{"Newly joined: ZHAO, Guangzong — already listed by the UK since 2023-02-09"}},
		{"same day", tracker.Added, published, []tracker.Listing{uk(published)},
			[]string{"Same-day designation: ZHAO, Guangzong — also designated by the UK on 2024-03-25"}},
		{"earlier and same day: the earlier one joins", tracker.Added, published, []tracker.Listing{uk(published), eu("2022-06-01")},
			[]string{"Newly joined: ZHAO, Guangzong — already listed by the EU since 2022-06-01"}},
		{"later: the other followed", tracker.Added, published, []tracker.Listing{uk("2024-05-01")}, nil},
		{"partial date of the same month may be earlier", tracker.Added, published, []tracker.Listing{uk("2024-03")},
			[]string{"Newly joined: ZHAO, Guangzong — already listed by the UK since 2024-03"}},
		{"partial date of a later month", tracker.Added, published, []tracker.Listing{uk("2024-04")}, nil},
		{"no designation date", tracker.Added, published, []tracker.Listing{uk("")},
			[]string{"Newly joined: ZHAO, Guangzong — already listed by the UK"}},
		{"publication without a date", tracker.Added, "", []tracker.Listing{uk(published)},
			[]string{"Newly joined: ZHAO, Guangzong — already listed by the UK since 2024-03-25"}},
		{"no longer listed elsewhere", tracker.Added, published, []tracker.Listing{delisted}, nil},
		{"removed, still listed (any date)", tracker.Removed, published, []tracker.Listing{uk(published), eu("2024-06-01"), delisted},
			[]string{"Dropped: ZHAO, Guangzong — still listed by the UK since 2024-03-25, the EU since 2024-06-01"}},
		{"amended: no signal", tracker.Amended, published, []tracker.Listing{uk("2023-02-09")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := tracker.Change{Kind: tc.kind, List: "ofac-sdn", ID: "47814", Name: "ZHAO, Guangzong", AlsoListed: tc.also}
			if got := signals([]tracker.Change{ch}, tc.published); !slices.Equal(got, tc.want) {
				t.Errorf("signals:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
