package replay_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/replay"
	"github.com/cybersanctions/tracker/internal/source"
)

// commit is one commit of a test repository: its committer date and its
// whole top-level tree, file name → content.
type commit struct {
	date  string // RFC 3339, as git's %cI gives it back
	files map[string][]byte
}

// git runs git in dir with a fixed identity and no user configuration.
func git(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// makeBundle commits each tree in a new repository, on branch main, and
// bundles it with refs (default: HEAD and main; others are made branches
// at the last commit). It returns the bundle and
// the commits' hashes, oldest first.
func makeBundle(t testing.TB, commits []commit, refs ...string) (string, []string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed to build a test bundle: %v", err)
	}
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	git(t, dir, nil, "init", "-q", "-b", "main", repo)
	var hashes []string
	for i, c := range commits {
		entries, _ := os.ReadDir(repo)
		for _, e := range entries {
			if e.Name() != ".git" {
				os.RemoveAll(filepath.Join(repo, e.Name()))
			}
		}
		for name, data := range c.files {
			p := filepath.Join(repo, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		env := []string{"GIT_COMMITTER_DATE=" + c.date, "GIT_AUTHOR_DATE=" + c.date}
		git(t, repo, env, "add", "-A")
		git(t, repo, env, "commit", "-q", "--allow-empty", "-m", "version "+string(rune('a'+i)))
		hashes = append(hashes, git(t, repo, nil, "rev-parse", "HEAD"))
	}
	if len(refs) == 0 {
		refs = []string{"HEAD", "main"}
	}
	for _, r := range refs {
		if r != "HEAD" && r != "main" {
			git(t, repo, nil, "branch", r)
		}
	}
	bundle := filepath.Join(dir, "history.bundle")
	git(t, repo, nil, append([]string{"bundle", "create", "-q", bundle}, refs...)...)
	return bundle, hashes
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll reads every version of a source, in order.
func readAll(t testing.TB, src *replay.Source) [][]source.RawFile {
	t.Helper()
	var out [][]source.RawFile
	for i := range src.Versions() {
		files, err := src.Read(context.Background(), i)
		if err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
		out = append(out, files)
	}
	return out
}

func TestBundle(t *testing.T) {
	v1, v2, v4 := fixture(t, "v1.sdn.csv"), fixture(t, "v2.sdn.csv"), fixture(t, "v4.sdn.csv")
	readme := []byte("scraped hourly\n")
	commits := []commit{
		{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": v1, "README.md": readme, "old/sdn.csv": v4}},
		// After v1, but on 2021-03-02 in UTC: the commit's own day counts.
		{"2021-03-01T23:30:00-05:00", map[string][]byte{"sdn.csv": v2, "README.md": readme}},
		{"2021-03-05T12:00:00+00:00", map[string][]byte{"sdn.csv": v2, "README.md": readme}}, // nothing changed
		{"2021-03-09T12:00:00+02:00", map[string][]byte{"sdn.csv": v4, "README.md": readme}},
	}
	bundle, hashes := makeBundle(t, commits)
	wantDates := []string{"2021-03-01", "2021-03-01", "2021-03-05", "2021-03-09"}

	tests := []struct {
		name  string
		files []string
		want  func(c commit) map[string][]byte // name → data expected per version
	}{
		{"every file at the top", nil, func(c commit) map[string][]byte {
			return map[string][]byte{"README.md": c.files["README.md"], "sdn.csv": c.files["sdn.csv"]}
		}},
		{"named files", []string{"sdn.csv"}, func(c commit) map[string][]byte {
			return map[string][]byte{"sdn.csv": c.files["sdn.csv"]}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir()) // to see the clone go
			src, err := replay.Open(context.Background(), bundle, replay.Options{Files: tc.files})
			if err != nil {
				t.Fatal(err)
			}
			var dates []string
			for i, v := range src.Versions() {
				dates = append(dates, v.Date)
				if !strings.Contains(v.Label, hashes[i][:12]) || !strings.Contains(v.Label, commits[i].date) {
					t.Errorf("version %d label %q lacks its commit %s or date %s", i, v.Label, hashes[i][:12], commits[i].date)
				}
			}
			if !slices.Equal(dates, wantDates) {
				t.Errorf("dates %v, want %v", dates, wantDates)
			}
			for i, files := range readAll(t, src) {
				want := tc.want(commits[i])
				var names []string
				for _, f := range files {
					names = append(names, f.Name)
					if !bytes.Equal(f.Data, want[f.Name]) {
						t.Errorf("version %d: %s differs from what was committed (%d bytes, want %d)", i, f.Name, len(f.Data), len(want[f.Name]))
					}
					if !strings.Contains(f.Origin, "history.bundle@"+hashes[i][:12]+":"+f.Name) {
						t.Errorf("version %d: origin %q", i, f.Origin)
					}
				}
				if len(names) != len(want) {
					t.Errorf("version %d: files %v, want %d", i, names, len(want))
				}
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) != 0 {
				t.Errorf("Close left %d entries in TMPDIR, e.g. %s", len(left), left[0].Name())
			}
		})
	}
}

func TestBundleWithoutHEAD(t *testing.T) {
	bundle, hashes := makeBundle(t, []commit{
		{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("a")}},
		{"2021-03-02T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("b")}},
	}, "main")
	src, err := replay.Open(context.Background(), bundle, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := readAll(t, src)
	if len(got) != 2 || string(got[0][0].Data) != "a" || string(got[1][0].Data) != "b" {
		t.Errorf("versions %v of commits %v", got, hashes)
	}
}

func TestBundleRefused(t *testing.T) {
	notBundle := filepath.Join(t.TempDir(), "2021-03-01.sdn.csv")
	if err := os.WriteFile(notBundle, fixture(t, "v1.sdn.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	backwards, _ := makeBundle(t, []commit{
		{"2021-03-02T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("a")}},
		{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("b")}},
	})
	twoBranches, _ := makeBundle(t, []commit{{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("a")}}}, "main", "other")
	tests := []struct {
		name, path string
		opts       replay.Options
		want       string
	}{
		{"a plain file", notBundle, replay.Options{}, "no '# v2 git bundle' header"},
		{"commit dates going back", backwards, replay.Options{}, "is older than the commit before it"},
		{"missing path", filepath.Join(t.TempDir(), "nothing"), replay.Options{}, "no such file"},
		{"files named for a directory", t.TempDir(), replay.Options{Files: []string{"sdn.csv"}}, "not in a directory"},
		{"no HEAD, two branches", twoBranches, replay.Options{}, "no HEAD and 2 refs (refs/heads/main, refs/heads/other)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // a refused bundle's clone goes too
			src, err := replay.Open(context.Background(), tc.path, tc.opts)
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left %s in TMPDIR", left[0].Name())
			}
			if err == nil {
				src.Close()
				t.Fatalf("opened; want an error with %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q, want it to name %s and say %q", err, tc.path, tc.want)
			}
		})
	}
}

func TestBundleMissingFile(t *testing.T) {
	bundle, hashes := makeBundle(t, []commit{
		{"2021-03-01T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("a"), "add.csv": []byte("x")}},
		{"2021-03-02T10:00:00+00:00", map[string][]byte{"sdn.csv": []byte("b")}},
	})
	src, err := replay.Open(context.Background(), bundle, replay.Options{Files: []string{"sdn.csv", "add.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Read(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	_, err = src.Read(context.Background(), 1)
	if err == nil || !strings.Contains(err.Error(), "no file add.csv") || !strings.Contains(err.Error(), hashes[1][:12]) {
		t.Errorf("error %v, want it to name add.csv and commit %s", err, hashes[1][:12])
	}
	// The process answers on after a miss.
	if files, err := src.Read(context.Background(), 0); err != nil || string(files[0].Data) != "a" {
		t.Errorf("after a miss: %v, %v", files, err)
	}
}

func TestDir(t *testing.T) {
	v1, v2, v4 := fixture(t, "v1.sdn.csv"), fixture(t, "v2.sdn.csv"), fixture(t, "v4.sdn.csv")
	type file struct {
		name string
		data []byte
	}
	type want struct {
		date  string
		files []file
	}
	tests := []struct {
		name   string
		layout map[string][]byte // path → content
		want   []want
		err    string
	}{
		{"dated files, README ignored", map[string][]byte{
			"2021-03-05.sdn.csv": v2, "2021-03-01.sdn.csv": v1, "README.md": []byte("x"), ".2021-03-07.sdn.csv.swp": []byte("x"),
		}, []want{{"2021-03-01", []file{{"2021-03-01.sdn.csv", v1}}}, {"2021-03-05", []file{{"2021-03-05.sdn.csv", v2}}}}, ""},
		{"files sharing a date are one publication", map[string][]byte{
			"2021-03-01.sdn.csv": v1, "2021-03-01.add.csv": []byte("add"), "2021-03-09.sdn.csv": v4,
		}, []want{
			{"2021-03-01", []file{{"2021-03-01.add.csv", []byte("add")}, {"2021-03-01.sdn.csv", v1}}},
			{"2021-03-09", []file{{"2021-03-09.sdn.csv", v4}}},
		}, ""},
		{"dated directories", map[string][]byte{
			"2021-03-09/sdn.csv": v4, "2021-03-01-excerpt/sdn.csv": v1, "2021-03-01-excerpt/alt.csv": []byte("alt"),
			"2021-03-05/sdn.csv": v2, "2021-03-05/.hidden": []byte("x"),
		}, []want{
			{"2021-03-01", []file{{"alt.csv", []byte("alt")}, {"sdn.csv", v1}}},
			{"2021-03-05", []file{{"sdn.csv", v2}}},
			{"2021-03-09", []file{{"sdn.csv", v4}}},
		}, ""},
		{"nothing dated", map[string][]byte{"sdn.csv": v1, "2021-13-01.sdn.csv": v1}, nil, "no dated files or directories"},
		{"empty dated directory", map[string][]byte{"2021-03-01/.keep": nil}, nil, "holds no files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, data := range tc.layout {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			src, err := replay.Open(context.Background(), dir, replay.Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got := readAll(t, src)
			if len(got) != len(tc.want) {
				t.Fatalf("%d versions, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				if d := src.Versions()[i].Date; d != w.date {
					t.Errorf("version %d dated %s, want %s", i, d, w.date)
				}
				if len(got[i]) != len(w.files) {
					t.Fatalf("version %d: %d files, want %d", i, len(got[i]), len(w.files))
				}
				for j, f := range w.files {
					g := got[i][j]
					if g.Name != f.name || !bytes.Equal(g.Data, f.data) || !filepath.IsAbs(g.Origin) {
						t.Errorf("version %d file %d: %s (%d bytes, origin %s), want %s (%d bytes)", i, j, g.Name, len(g.Data), g.Origin, f.name, len(f.data))
					}
				}
			}
		})
	}
}
