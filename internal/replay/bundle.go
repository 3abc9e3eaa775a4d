package replay

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cybersanctions/tracker/internal/source"
)

// OpenBundle opens a git bundle holding one version of a list per commit
// and lists the commits of its HEAD, oldest first along first parents,
// each dated by the calendar day of its commit date as the commit states
// it. The bundle's pack is read in place (pack.go): no clone, no git.
func OpenBundle(ctx context.Context, path string, opts Options) (_ *Source, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	h, err := readBundleHeader(f)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	p, err := openPack(ctx, f, h, packCacheBytes)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	b := &bundle{path: abs, files: opts.Files, pack: p}
	head, err := b.head(h.refs)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	versions, err := b.firstParents(head)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return &Source{Path: path, versions: versions, read: b.read, close: f.Close}, nil
}

// packCacheBytes bounds the resolved objects kept between two reads. An
// OFAC history's versions are 2-4 MB, stored by git as deltas against
// the next newer version in chains up to 50 deep, so reading it oldest
// first asks next for a base just passed. Measured on the 308-version
// OFAC history (whole read, after the 0.6-1 s open): 32 MB 0.9 s, 16 MB
// 1.4 s, 8 MB 2.8 s, 4 MB 5.3 s; the replay's memory bound allows 8.
const packCacheBytes = 8 << 20

// bundle is an open bundle's pack and what to take from each commit.
type bundle struct {
	path  string   // the bundle, for origins
	files []string // names to take from each commit; empty: all at the top
	pack  *pack
}

// head returns the commit to replay from: HEAD's, or the one branch's or
// tag's of a bundle made without HEAD (`git bundle create x.bundle main`).
func (b *bundle) head(refs []bundleRef) (string, error) {
	var names []string
	var id string
	for _, r := range refs {
		if r.name == "HEAD" {
			return b.peel("HEAD", r.id)
		}
		if strings.HasPrefix(r.name, "refs/heads/") || strings.HasPrefix(r.name, "refs/tags/") {
			names, id = append(names, r.name), r.id
		}
	}
	if len(names) != 1 {
		sort.Strings(names)
		return "", fmt.Errorf("the bundle has no HEAD and %d refs (%s): make it with HEAD, e.g. 'git bundle create FILE HEAD main'",
			len(names), strings.Join(names, ", "))
	}
	return b.peel(names[0], id)
}

// peel follows annotated tags to the commit they name.
func (b *bundle) peel(ref, id string) (string, error) {
	for range 10 {
		typ, data, err := b.object(id)
		if err != nil {
			return "", fmt.Errorf("%s: %w", ref, err)
		}
		switch typ {
		case objCommit:
			return id, nil
		case objTag:
			target, ok := headerField(data, "object")
			if !ok {
				return "", fmt.Errorf("%s: tag %x names no object", ref, id)
			}
			if id, err = b.binaryID(target); err != nil {
				return "", fmt.Errorf("%s: tag %x: %w", ref, id, err)
			}
		default:
			return "", fmt.Errorf("%s is a %s, not a commit", ref, objTypeName(typ))
		}
	}
	return "", fmt.Errorf("%s: tags nested too deep", ref)
}

// object returns a binary id's object; one the bundle lacks is an error.
func (b *bundle) object(id string) (int8, []byte, error) {
	typ, data, ok, err := b.pack.object(id)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, fmt.Errorf("object %x is not in the bundle", id)
	}
	return typ, data, nil
}

func (b *bundle) binaryID(hexID string) (string, error) {
	id, err := hex.DecodeString(hexID)
	if err != nil || len(id) != b.pack.idLen {
		return "", fmt.Errorf("bad object id %q", hexID)
	}
	return string(id), nil
}

// headerField returns the value of the first "name value" line of a
// commit's or tag's header.
func headerField(obj []byte, name string) (string, bool) {
	for _, line := range strings.Split(string(obj), "\n") {
		if line == "" {
			break // the message follows
		}
		if k, v, ok := strings.Cut(line, " "); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// commitInfo is what a version needs of a commit.
type commitInfo struct {
	tree, parent string // binary ids; parent "" for a root
	date         string // the committer date as `git log --format=%cI` shows it
	day          string // its calendar day
}

func (b *bundle) commit(id string) (commitInfo, error) {
	typ, data, err := b.object(id)
	if err != nil {
		return commitInfo{}, err
	}
	if typ != objCommit {
		return commitInfo{}, fmt.Errorf("object %x is a %s, not a commit", id, objTypeName(typ))
	}
	var c commitInfo
	tree, ok := headerField(data, "tree")
	if !ok {
		return c, fmt.Errorf("commit %x has no tree", id)
	}
	if c.tree, err = b.binaryID(tree); err != nil {
		return c, fmt.Errorf("commit %x: %w", id, err)
	}
	if parent, ok := headerField(data, "parent"); ok {
		if c.parent, err = b.binaryID(parent); err != nil {
			return c, fmt.Errorf("commit %x: %w", id, err)
		}
	}
	committer, _ := headerField(data, "committer")
	t, err := signatureTime(committer)
	if err != nil {
		return c, fmt.Errorf("commit %x: committer %q: %w", id, committer, err)
	}
	// The commit's own calendar day, not UTC's: the day the publisher's
	// side recorded.
	c.day = t.Format("2006-01-02")
	c.date = t.Format("2006-01-02T15:04:05-07:00") // git's %cI: +00:00, never Z
	return c, nil
}

// signatureTime reads the "<unix seconds> <+hhmm>" that ends a git
// signature line, in the zone it states.
func signatureTime(sig string) (time.Time, error) {
	f := strings.Fields(sig[strings.LastIndexByte(sig, '>')+1:])
	if len(f) != 2 {
		return time.Time{}, errors.New("no date")
	}
	secs, err := strconv.ParseInt(f[0], 10, 64)
	tz := f[1]
	if err != nil || len(tz) != 5 || (tz[0] != '+' && tz[0] != '-') {
		return time.Time{}, errors.New("unreadable date")
	}
	hh, err1 := strconv.Atoi(tz[1:3])
	mm, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil {
		return time.Time{}, errors.New("unreadable time zone")
	}
	off := hh*3600 + mm*60
	if tz[0] == '-' {
		off = -off
	}
	return time.Unix(secs, 0).In(time.FixedZone("", off)), nil
}

// firstParents lists the commits from head back along first parents as
// versions, oldest first. A commit older than the one before it would
// make the store refuse it half-way, so such a history is refused before
// anything is stored.
func (b *bundle) firstParents(head string) ([]Version, error) {
	var versions []Version
	seen := map[string]bool{}
	for id := head; id != ""; {
		if seen[id] {
			return nil, fmt.Errorf("commit %x is its own ancestor", id)
		}
		seen[id] = true
		c, err := b.commit(id)
		if err != nil {
			return nil, err
		}
		hash := hex.EncodeToString([]byte(id))
		versions = append(versions, Version{Date: c.day, Label: fmt.Sprintf("commit %s (%s)", hash[:12], c.date), commit: hash, tree: c.tree})
		id = c.parent
	}
	slices.Reverse(versions)
	for i := 1; i < len(versions); i++ {
		if v, prev := versions[i], versions[i-1]; v.Date < prev.Date {
			return nil, fmt.Errorf("%s is older than the commit before it, %s: the store takes versions oldest first",
				strings.TrimPrefix(v.Label, "commit "), strings.TrimPrefix(prev.Label, "commit "))
		}
	}
	return versions, nil
}

func (b *bundle) read(ctx context.Context, v *Version) ([]source.RawFile, error) {
	names := b.files
	if len(names) == 0 {
		var err error
		if names, err = b.topFiles(v); err != nil {
			return nil, err
		}
	}
	files := make([]source.RawFile, 0, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		typ, data, err := b.lookup(v.tree, name)
		switch {
		case err != nil:
			return nil, err
		case data == nil && typ == 0:
			return nil, fmt.Errorf("no file %s in the commit", name)
		case typ != objBlob:
			return nil, fmt.Errorf("%s is a %s, not a file", name, objTypeName(typ))
		}
		files = append(files, source.RawFile{Name: filepath.Base(name), Origin: b.path + "@" + v.commit[:12] + ":" + name, Data: data})
	}
	b.pack.dropFree()
	return files, nil
}

// treeEntry is one entry of a tree object.
type treeEntry struct {
	mode, name, id string
}

// tree reads a tree object: a run of "<mode> <name>\x00<binary id>".
func (b *bundle) tree(id string) ([]treeEntry, error) {
	typ, data, err := b.object(id)
	if err != nil {
		return nil, err
	}
	if typ != objTree {
		return nil, fmt.Errorf("object %x is a %s, not a tree", id, objTypeName(typ))
	}
	var out []treeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		nul := bytes.IndexByte(data, 0)
		if sp < 0 || nul < sp || len(data) < nul+1+b.pack.idLen {
			return nil, fmt.Errorf("tree %x is unreadable", id)
		}
		out = append(out, treeEntry{mode: string(data[:sp]), name: string(data[sp+1 : nul]), id: string(data[nul+1 : nul+1+b.pack.idLen])})
		data = data[nul+1+b.pack.idLen:]
	}
	return out, nil
}

// lookup finds a slash-separated path under a tree: its type and
// content; type 0 when there is no such path.
func (b *bundle) lookup(tree, path string) (int8, []byte, error) {
	id := tree
	for part := range strings.SplitSeq(path, "/") {
		entries, err := b.tree(id)
		if err != nil {
			return 0, nil, err
		}
		i := slices.IndexFunc(entries, func(e treeEntry) bool { return e.name == part })
		if i < 0 {
			return 0, nil, nil
		}
		id = entries[i].id
	}
	if id == tree {
		return objTree, nil, nil
	}
	return b.object(id)
}

// topFiles lists the files (blobs) at the top of a commit's tree, in git's
// order, which is by name.
func (b *bundle) topFiles(v *Version) ([]string, error) {
	entries, err := b.tree(v.tree)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.mode == "100644" || e.mode == "100755" {
			names = append(names, e.name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("commit %s holds no files at the top of its tree", v.commit)
	}
	return names, nil
}
