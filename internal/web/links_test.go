package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestDesignationAlsoListed: a designation page names the same person on
// the other lists, linking to that page, with the link's reason (Trickbot's
// KARYAGIN: OFAC 35988 is OFSI's CYB0023).
func TestDesignationAlsoListed(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "tracker.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	st.Authority = lists.AuthorityOf
	in := &ingest.Ingester{Store: st, RawRetention: -1}
	for _, f := range []struct{ list, path, asOf string }{
		{"ofac-sdn", "ofac/sdn-csv/2023-02-08.sdn.csv", "2023-02-08"},
		{"uk-ofsi-conlist", "uk/ofsi/2023-06-05.ConList.from-xlsx.csv", ""},
		{"ofac-sdn", "ofac/sdn-csv/2023-02-09.sdn.csv", "2023-02-09"},
	} {
		l, err := lists.Lookup(f.list)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(shareddata.Path(t, f.path))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Ingest(ctx, ingest.Request{List: l, AsOf: f.asOf, Files: []source.RawFile{{Name: filepath.Base(f.path), Data: data}}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	ro, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ro.Authority = lists.AuthorityOf
	srv, err := New(Options{Store: ro, Lists: []string{"ofac-sdn", "uk-ofsi-conlist"}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: ro, srv: srv}
	res, body := f.get(t, "/lists/ofac-sdn/designations/35988")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	mustContain(t, body, `<dt>Also listed</dt>`, `href="/lists/uk-ofsi-conlist/designations/CYB0023"`, "UK CYB0023", "same name and birth date")

	_, js := f.get(t, "/lists/ofac-sdn/designations/35988?format=json")
	var d struct {
		AlsoListed []struct {
			List, ID, URL, Reason string
		} `json:"also_listed"`
	}
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.AlsoListed) != 1 || d.AlsoListed[0].ID != "CYB0023" || d.AlsoListed[0].URL != "/lists/uk-ofsi-conlist/designations/CYB0023" {
		t.Errorf("also_listed = %+v", d.AlsoListed)
	}
}
