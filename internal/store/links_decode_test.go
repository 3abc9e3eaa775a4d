package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/match"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/eu"
	"github.com/cybersanctions/tracker/internal/source/uk"
)

// TestDecodeForLinking: an entity decoded from its stored encoding with
// only the fields linking reads prepares to the same facts and key hashes
// (match.AppendKeyHashes) as the whole entity (match.Keys, KeyHash), for
// every entity of real OFAC, OFSI, FCDO and EU files.
func TestDecodeForLinking(t *testing.T) {
	for _, tc := range []struct {
		rel   string
		parse source.Parser
	}{
		{"ofac/sdn-csv/2024-05-03.sdn.csv", nil},
		{"uk/ofsi/2025-04-10.ConList.from-xlsx.csv", uk.ParseConList},
		{"uk/fcdo/2025-04-10.UK-Sanctions-List.xml", uk.ParseSanctionsList},
		{"eu/fsf/2020-11-20.xml", eu.Parse},
	} {
		t.Run(tc.rel, func(t *testing.T) {
			var es []*tracker.Entity
			if tc.parse == nil {
				es = benchOFAC(t, "2024-05-03")
			} else {
				es = benchParse(t, tc.rel, tc.parse)
			}
			if len(es) == 0 {
				t.Fatal("no entities")
			}
			for _, e := range es {
				body, err := e.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				got, err := decodeForLinking(body)
				if err != nil {
					t.Fatalf("%s: %v", e.ID, err)
				}
				// Every body the tracker writes is read without
				// encoding/json, as encoding/json reads it.
				var view linkView
				if err := json.Unmarshal(body, &view); err != nil {
					t.Fatal(err)
				}
				if fast, ok := scanLinkView(body); !ok || !reflect.DeepEqual(fast, view) {
					t.Fatalf("%s: scanLinkView = %+v, %v; want %+v", e.ID, fast, ok, view)
				}
				if got.ID != e.ID {
					t.Fatalf("id %q, want %q", got.ID, e.ID)
				}
				want, have := match.Prepare(e), match.Prepare(got)
				if !bytes.Equal(have.AppendFacts(nil), want.AppendFacts(nil)) {
					t.Fatalf("%s: facts differ:\n%s\nwant\n%s", e.ID, have.AppendFacts(nil), want.AppendFacts(nil))
				}
				// The hashes as prepareItems computes them, from the
				// decoded entity, against KeyHash of each of Keys of the
				// whole one.
				var wk []int64
				for _, k := range match.Keys(want) {
					wk = append(wk, match.KeyHash(k))
				}
				slices.Sort(wk)
				wk = slices.Compact(wk)
				if hk := match.AppendKeyHashes([]int64{42}, have); !slices.Equal(hk[1:], wk) || hk[0] != 42 {
					t.Fatalf("%s: key hashes %v, want %v (keys %q)", e.ID, hk, wk, match.Keys(want))
				}
			}
		})
	}
}
