package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
)

// TestRawSHA256FromCompressed: the publication hash taken from the
// per-file hashes the compressor is given equals the one computed from
// the bytes, so a snapshot's raw_sha256 does not depend on raw retention,
// and each compressed file carries its own file's hash.
func TestRawSHA256FromCompressed(t *testing.T) {
	files := []source.RawFile{
		{Name: "sdn.csv", Data: read(t, "ofac/sdn-csv-trio/2021-07-07/sdn.csv")},
		{Name: "add.csv", Data: read(t, "ofac/sdn-csv-trio/2021-07-07/add.csv")},
		{Name: "alt.csv", Data: []byte{}},
	}
	l, err := lists.Lookup("ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	want := RawSHA256(files)
	for _, tt := range []struct {
		name      string
		retention int
		kept      int
	}{{"kept", -1, len(files)}, {"not kept (retention 0)", 0, 0}} {
		in := newIngester(t)
		in.RawRetention = tt.retention
		p := in.startRaw(context.Background(), Request{List: l, Files: files})
		p.parseDone(true)
		if got := p.digest(); got != want {
			t.Errorf("%s: %s, want %s", tt.name, got, want)
		}
		raw, err := p.files()
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != tt.kept {
			t.Fatalf("%s: %d compressed files, want %d", tt.name, len(raw), tt.kept)
		}
		for i, r := range raw {
			sum := sha256.Sum256(files[i].Data)
			if r.Name != files[i].Name || r.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: file %d is %s %s, want %s %x", tt.name, i, r.Name, r.SHA256, files[i].Name, sum)
			}
		}
	}
	swapped := []source.RawFile{files[1], files[0], files[2]}
	if RawSHA256(swapped) == want {
		t.Error("the hash ignores the files' order")
	}
}
