package replay_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/replay"
)

// TestBundleDeltas reads a bundle whose pack stores most versions as
// deltas, in long chains: every version must come back byte for byte, in
// order and out of it. (TestPackSmallCache reads one through a cache
// smaller than its chains.)
func TestBundleDeltas(t *testing.T) {
	bundle, want := deltaBundle(t)
	src, err := replay.Open(context.Background(), bundle, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if n := len(src.Versions()); n != len(want) {
		t.Fatalf("%d versions, want %d", n, len(want))
	}
	for i, files := range readAll(t, src) {
		if len(files) != 1 || !bytes.Equal(files[0].Data, want[i]) {
			t.Errorf("version %d differs from its commit", i)
		}
	}
	// Out of order too: a resumed replay reads a later version first.
	for _, i := range []int{39, 0, 20, 21, 19} {
		files, err := src.Read(context.Background(), i)
		if err != nil || !bytes.Equal(files[0].Data, want[i]) {
			t.Errorf("version %d read again: %v", i, err)
		}
	}
}

// TestBundleDamaged: a bundle cut short or with a byte changed is refused
// when opened, naming the file, before any version is read.
func TestBundleDamaged(t *testing.T) {
	bundle, _ := makeBundle(t, []commit{
		{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": fixture(t, "v1.sdn.csv")}},
		{"2021-03-02T10:00:00+00:00", map[string][]byte{"sdn.csv": fixture(t, "v2.sdn.csv")}},
	})
	good, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	pack := bytes.Index(good, []byte("PACK"))
	flipped := bytes.Clone(good)
	flipped[pack+40] ^= 0xff
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"cut in the pack", good[:len(good)/2], "truncated or damaged"},
		{"cut after the header", good[:pack+6], "truncated"},
		{"cut in the header", good[:pack/2], "bundle header"},
		{"a byte changed", flipped, "truncated or damaged"},
		{"a range bundle", append([]byte("# v2 git bundle\n-"+strings.Repeat("ab", 20)+" base\n"), good[len("# v2 git bundle\n"):]...), "does not hold"},
		{"a filtered bundle", append([]byte("# v3 git bundle\n@filter=blob:none\n"), good[len("# v2 git bundle\n"):]...), "filtered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.bundle")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := replay.Open(context.Background(), path, replay.Options{})
			if err == nil {
				src.Close()
				t.Fatalf("opened; want an error with %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q, want it to name %s and say %q", err, path, tc.want)
			}
		})
	}
}

// TestBundleDays: versions take their commit's own calendar day, several
// commits on one day are all versions, and a commit without the named
// file fails only when it is read.
func TestBundleDays(t *testing.T) {
	tests := []struct {
		name      string
		dates     []string
		wantDates []string
	}{
		{"one a day", []string{"2021-03-01T10:00:00+00:00", "2021-03-02T10:00:00+00:00"}, []string{"2021-03-01", "2021-03-02"}},
		{"two on one day", []string{"2021-03-01T08:00:00+00:00", "2021-03-01T18:00:00+00:00", "2021-03-03T00:00:00+00:00"}, []string{"2021-03-01", "2021-03-01", "2021-03-03"}},
		{"zones either side of UTC", []string{"2021-03-01T23:30:00-05:00", "2021-03-02T01:00:00+09:30"}, []string{"2021-03-01", "2021-03-02"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var commits []commit
			for i, d := range tc.dates {
				commits = append(commits, commit{d, map[string][]byte{"sdn.csv": []byte(fmt.Sprint("version ", i))}})
			}
			bundle, hashes := makeBundle(t, commits)
			src, err := replay.Open(context.Background(), bundle, replay.Options{Files: []string{"sdn.csv"}})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			for i, v := range src.Versions() {
				if v.Date != tc.wantDates[i] {
					t.Errorf("version %d dated %s, want %s", i, v.Date, tc.wantDates[i])
				}
				if want := fmt.Sprintf("commit %s (%s)", hashes[i][:12], tc.dates[i]); v.Label != want {
					t.Errorf("version %d label %q, want %q", i, v.Label, want)
				}
			}
		})
	}
}

// TestBundleWithoutFile: a commit lacking the --file is an error naming
// the file and the commit; a directory named as a file is refused too.
func TestBundleWithoutFile(t *testing.T) {
	bundle, hashes := makeBundle(t, []commit{
		{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("a"), "old/sdn.csv": []byte("o")}},
		{"2021-03-02T10:00:00+00:00", map[string][]byte{"other.csv": []byte("b")}},
	})
	tests := []struct {
		name    string
		file    string
		version int
		want    string // "" for success
	}{
		{"in a subdirectory", "old/sdn.csv", 0, ""},
		{"missing from a commit", "sdn.csv", 1, "no file sdn.csv in the commit"},
		{"a directory", "old", 0, "old is a tree, not a file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := replay.Open(context.Background(), bundle, replay.Options{Files: []string{tc.file}})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			files, err := src.Read(context.Background(), tc.version)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want == "" && (len(files) != 1 || string(files[0].Data) != "o"):
				t.Errorf("files %v", files)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), hashes[tc.version][:12])):
				t.Errorf("error %v, want %q naming commit %s", err, tc.want, hashes[tc.version][:12])
			}
		})
	}
}

// deltaBundle makes a bundle of 40 versions of a list, each adding a line
// to the one before, as publications do, so that git stores them as
// chains of deltas.
func deltaBundle(t *testing.T) (string, [][]byte) {
	t.Helper()
	data := fixture(t, "v4.sdn.csv")
	var commits []commit
	var want [][]byte
	for i := range 40 {
		data = append(bytes.Clone(data), fmt.Sprintf("%d,\"EXTRA %d\",\"individual\",-0- \r\n", 90000+i, i)...)
		day := fmt.Sprintf("2021-%02d-%02dT12:00:00+00:00", 4+i/28, 1+i%28)
		commits = append(commits, commit{day, map[string][]byte{"sdn.csv": data}})
		want = append(want, data)
	}
	bundle, _ := makeBundle(t, commits)
	return bundle, want
}

// TestPackSmallCache reads a history of deltas through caches from none
// to all of it: what is cached changes only the work, never the bytes.
func TestPackSmallCache(t *testing.T) {
	bundle, want := deltaBundle(t)
	for _, cache := range []int64{0, 4 << 10, 16 << 10, 1 << 20} {
		t.Run(fmt.Sprint(cache), func(t *testing.T) {
			read, n, deltas, err := replay.OpenPackForTest(bundle, cache)
			if err != nil {
				t.Fatal(err)
			}
			if deltas < n/2 {
				t.Fatalf("only %d deltas in the pack: the test means to read chains", deltas)
			}
			for _, i := range append(seq(0, n, 1), 39, 0, 20) {
				got, err := read(i)
				if err != nil {
					t.Fatalf("version %d: %v", i, err)
				}
				if !bytes.Equal(got, want[i]) {
					t.Fatalf("version %d differs from its commit", i)
				}
			}
		})
	}
}
