package ingest

import (
	"testing"

	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestRawSHA256FromCompressed: the publication hash taken from the
// per-file hashes CompressRaw computed equals the one computed from the
// bytes, so a snapshot's raw_sha256 does not depend on raw retention.
func TestRawSHA256FromCompressed(t *testing.T) {
	files := []source.RawFile{
		{Name: "sdn.csv", Data: read(t, "ofac/sdn-csv-trio/2021-07-07/sdn.csv")},
		{Name: "add.csv", Data: read(t, "ofac/sdn-csv-trio/2021-07-07/add.csv")},
		{Name: "alt.csv", Data: []byte{}},
	}
	var raw []store.RawFile
	for _, f := range files {
		r, err := store.CompressRaw(f.Name, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, r)
	}
	want := RawSHA256(files)
	for _, tt := range []struct {
		name string
		raw  []store.RawFile
	}{{"compressed", raw}, {"not kept (retention 0)", nil}} {
		if got := rawSHA256Of(files, tt.raw); got != want {
			t.Errorf("%s: %s, want %s", tt.name, got, want)
		}
	}
	swapped := []source.RawFile{files[1], files[0], files[2]}
	if RawSHA256(swapped) == want {
		t.Error("the hash ignores the files' order")
	}
}
