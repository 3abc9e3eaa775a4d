package ingest

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestRereadAfterParserChange: a database whose latest snapshot was read
// by an older parser (here: every EU designation date shifted and names
// upper-cased, as an older tracker might have read them) gets that
// snapshot re-read silently before the next publication, whose alerts then
// hold exactly what the publisher changed.
func TestRereadAfterParserChange(t *testing.T) {
	ctx := context.Background()
	in := newIngester(t)
	var announced []*store.SaveResult
	in.AfterSave = func(ctx context.Context, tx *sql.Tx, res *store.SaveResult) error {
		announced = append(announced, res)
		return nil
	}
	in.RawRetention = -1
	eu, err := lists.Lookup("eu-fsf")
	if err != nil {
		t.Fatal(err)
	}
	first := []source.RawFile{{Name: "2020-07-30.xml", Data: read(t, "eu/fsf/2020-07-30.xml")}}
	pub, err := eu.Parse(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pub.Entities { // as an older tracker read them
		e.Name = strings.ToUpper(e.Name)
		e.Designated = "1999-01-01"
		delete(e.Attrs, tracker.AttrDesignatedFrom)
	}
	rf, err := store.CompressRaw(first[0].Name, first[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	old, err := in.Store.SaveSnapshot(ctx, store.NewSnapshot{List: "eu-fsf", Source: "old", PublishedAt: "2020-07-30",
		RawSHA256: RawSHA256(first), Entities: pub.Entities, RawFiles: []store.RawFile{rf}, RawRetention: -1, ParserVersion: 1})
	if err != nil {
		t.Fatal(err)
	}

	res, err := in.Ingest(ctx, Request{List: eu, Files: []source.RawFile{{Name: "2020-10-22.xml", Data: read(t, "eu/fsf/2020-10-22.xml")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(announced) != 1 || announced[0].Snapshot.ID != res.Snapshot.ID {
		t.Fatalf("%d snapshots announced, want only the new publication", len(announced))
	}
	if res.Previous == nil || res.Previous.ID == old.Snapshot.ID || !strings.Contains(res.Previous.Note, "re-read by tracker") {
		t.Fatalf("the new publication was compared with %+v, want the re-read of #%d", res.Previous, old.Snapshot.ID)
	}
	var kinds []string
	for _, c := range res.Changes {
		kinds = append(kinds, string(c.Kind)+" "+c.ID)
	}
	if got := strings.Join(kinds, ","); got != "added 990110,added 990111,added 990112" {
		t.Errorf("changes = %s, want the three additions of CHANGES.md only", got)
	}
	// Re-reading again changes nothing: the re-read snapshot carries the
	// current version.
	if _, err := in.Ingest(ctx, Request{List: eu, Files: []source.RawFile{{Name: "2020-10-22.xml", Data: read(t, "eu/fsf/2020-10-22.xml")}}}); err != nil {
		t.Fatal(err)
	}
	snaps, err := in.Store.Snapshots(ctx, "eu-fsf")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 3 || snaps[2].ParserVersion != source.ParserVersion {
		t.Fatalf("snapshots %+v", snaps)
	}
}
