// Package replay reads the history of a list — a directory of dated files
// or a git bundle with one published version per commit — one version at a
// time, oldest first, and renders a replay's progress. Storing the versions
// is the ingest package's job, exactly as for `tracker import`.
package replay

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cybersanctions/tracker/internal/source"
)

// Version is one publication in a history.
type Version struct {
	// Date is the publication date, YYYY-MM-DD: a file's or directory's
	// name prefix, or the calendar day of a commit's date.
	Date string
	// Label names the version for people: "2021-08-18.sdn.csv",
	// "commit bfc3e5f01629 (2021-08-18T09:39:01+00:00)".
	Label string

	paths  []string // a directory's files of this version
	commit string   // a bundle's commit, in hex
	tree   string   // its tree's binary id
}

// Options tune how a history is read.
type Options struct {
	// Files names the files to take from each commit of a bundle; empty:
	// every file at the top of the commit's tree.
	Files []string
}

// Source is a history opened for reading. Its versions are known when it
// opens; each one's files are read only when asked for, so a long history
// never sits in memory.
type Source struct {
	// Path is what was opened, for people.
	Path     string
	versions []Version
	read     func(ctx context.Context, v *Version) ([]source.RawFile, error)
	close    func() error
}

// Open opens a history: a git bundle (a file) or a directory of dated
// files or directories.
func Open(ctx context.Context, path string, opts Options) (*Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if fi.IsDir() {
		if len(opts.Files) > 0 {
			return nil, fmt.Errorf("history %s: file names are chosen per commit of a git bundle, not in a directory", path)
		}
		return OpenDir(path)
	}
	return OpenBundle(ctx, path, opts)
}

// Versions returns the history's versions, oldest first.
func (s *Source) Versions() []Version { return s.versions }

// Read returns the files of the i-th version.
func (s *Source) Read(ctx context.Context, i int) ([]source.RawFile, error) {
	if i < 0 || i >= len(s.versions) {
		return nil, fmt.Errorf("history %s: no version %d", s.Path, i)
	}
	v := &s.versions[i]
	files, err := s.read(ctx, v)
	if err != nil {
		return nil, fmt.Errorf("history %s: %s: %w", s.Path, v.Label, err)
	}
	return files, nil
}

// Close releases what the source holds (a bundle's open file).
func (s *Source) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// datePrefix returns the YYYY-MM-DD a name starts with, if it does.
func datePrefix(name string) (string, bool) {
	if len(name) < 10 {
		return "", false
	}
	d := name[:10]
	if _, err := time.Parse("2006-01-02", d); err != nil {
		return "", false
	}
	return d, true
}

// OpenDir reads a directory of dated publications, by name:
// DATE.sdn.csv files (files that share a date are one publication, such as
// DATE.sdn.csv with DATE.add.csv) or DATE/ directories holding a
// publication's files. Names that do not start with a date (README.md) and
// hidden names are ignored.
func OpenDir(dir string) (*Source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	byDate := map[string]*Version{} // files grouped by date
	var versions []*Version
	for _, e := range entries {
		name := e.Name()
		date, ok := datePrefix(name)
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(abs, name)
		if e.IsDir() {
			files, err := dirFiles(p)
			if err != nil {
				return nil, fmt.Errorf("history %s: %w", dir, err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("history %s: directory %s holds no files", dir, name)
			}
			versions = append(versions, &Version{Date: date, Label: name + "/", paths: files})
			continue
		}
		if !e.Type().IsRegular() && e.Type()&os.ModeSymlink == 0 {
			continue
		}
		v := byDate[date]
		if v == nil {
			v = &Version{Date: date}
			byDate[date] = v
			versions = append(versions, v)
		}
		v.paths = append(v.paths, p)
	}
	if len(versions) == 0 {
		return nil, fmt.Errorf("history %s: no dated files or directories (names must start with YYYY-MM-DD)", dir)
	}
	out := make([]Version, len(versions))
	for i, v := range versions {
		if v.Label == "" {
			v.Label = filepath.Base(v.paths[0])
			if len(v.paths) > 1 {
				v.Label = fmt.Sprintf("%s (%d files)", v.Date, len(v.paths))
			}
		}
		out[i] = *v
	}
	// ReadDir sorts by name, so dates come in order; a file and a directory
	// of the same date stay in name order.
	sort.SliceStable(out, func(a, b int) bool { return out[a].Date < out[b].Date })
	return &Source{Path: dir, versions: out, read: readDirVersion}, nil
}

// dirFiles lists the regular, not hidden files of a publication's
// directory, by name.
func dirFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out, nil
}

func readDirVersion(ctx context.Context, v *Version) ([]source.RawFile, error) {
	files := make([]source.RawFile, 0, len(v.paths))
	for _, p := range v.paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, source.RawFile{Name: filepath.Base(p), Origin: p, Data: data})
	}
	return files, nil
}
