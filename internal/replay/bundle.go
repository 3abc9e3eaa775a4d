package replay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cybersanctions/tracker/internal/source"
)

// OpenBundle opens a git bundle holding one version of a list per commit:
// it clones the bundle into a temporary directory (removed by Close) and
// lists the commits of its HEAD, oldest first along first parents, each
// dated by the calendar day of its commit date as the commit states it.
// The files are read one version at a time through one long-running
// `git cat-file --batch`: a `git show` per version costs a process and a
// fresh walk of the delta chain each time, some 100 ms per version.
func OpenBundle(ctx context.Context, path string, opts Options) (_ *Source, err error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("history %s: replaying a git bundle needs git: %w", path, err)
	}
	if err := checkBundle(path); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	tmp, err := os.MkdirTemp("", "tracker-replay-")
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	b := &bundle{path: abs, files: opts.Files, dir: filepath.Join(tmp, "history.git")}
	cleanup := func() error { return os.RemoveAll(tmp) }
	defer func() {
		if err != nil {
			cleanup() //nolint:errcheck // the error that brought us here matters more
		}
	}()
	// A bare clone: the versions are read from the object store, so a
	// checkout would only cost time and disk.
	if _, err := b.git(ctx, "", "clone", "-q", "--bare", abs, b.dir); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	head, err := b.head(ctx)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	out, err := b.git(ctx, b.dir, "log", "--reverse", "--first-parent", "--format=%H %cI", head)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	versions, err := parseLog(out)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	if err := b.start(ctx); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return &Source{Path: path, versions: versions, read: b.read, close: func() error {
		return errors.Join(b.stop(), cleanup())
	}}, nil
}

// checkBundle tells a git bundle from any other file before git is asked.
func checkBundle(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	switch string(head[:n]) {
	case "# v2 git bundle\n", "# v3 git bundle\n":
		return nil
	}
	return errors.New("neither a directory of dated files nor a git bundle (no '# v2 git bundle' header)")
}

// parseLog reads `git log --format='%H %cI'` lines into versions. A commit
// older than the one before it would make the store refuse it half-way, so
// such a history is refused before anything is stored.
func parseLog(out []byte) ([]Version, error) {
	var versions []Version
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		hash, date, ok := strings.Cut(line, " ")
		if !ok || len(hash) < 40 {
			return nil, fmt.Errorf("git log line %d: %q", i+1, line)
		}
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return nil, fmt.Errorf("git log line %d: commit %s: date %q: %w", i+1, hash, date, err)
		}
		// The commit's own calendar day, not UTC's: the day the publisher's
		// side recorded.
		day := t.Format("2006-01-02")
		if n := len(versions); n > 0 && day < versions[n-1].Date {
			return nil, fmt.Errorf("commit %s (%s) is older than the commit before it, %s (%s): the store takes versions oldest first",
				hash[:12], date, versions[n-1].commit[:12], versions[n-1].Date)
		}
		versions = append(versions, Version{Date: day, Label: fmt.Sprintf("commit %s (%s)", hash[:12], date), commit: hash})
	}
	if len(versions) == 0 {
		return nil, errors.New("the bundle has no commits")
	}
	return versions, nil
}

// bundle is a cloned bundle and its cat-file process.
type bundle struct {
	path  string   // the bundle, for origins
	dir   string   // the bare clone
	files []string // names to take from each commit; empty: all at the top

	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// git runs one git command and returns its output; its error carries
// git's own message.
func (b *bundle) git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	sub := args[0]
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", sub, msg)
	}
	return out, nil
}

// gitEnv keeps git from prompting and makes its messages the same
// everywhere.
func gitEnv() []string {
	return append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1")
}

// head returns what to replay: HEAD, or the one branch of a bundle made
// without HEAD (`git bundle create x.bundle main`).
func (b *bundle) head(ctx context.Context) (string, error) {
	if _, err := b.git(ctx, b.dir, "rev-parse", "--verify", "-q", "HEAD^{commit}"); err == nil {
		return "HEAD", nil
	}
	out, err := b.git(ctx, b.dir, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags")
	if err != nil {
		return "", err
	}
	refs := strings.Fields(string(out))
	if len(refs) != 1 {
		return "", fmt.Errorf("the bundle has no HEAD and %d refs (%s): make it with HEAD, e.g. 'git bundle create FILE HEAD main'",
			len(refs), strings.Join(refs, ", "))
	}
	return refs[0], nil
}

// start runs `git cat-file --batch`, which answers one object per line
// asked, flushing each answer.
func (b *bundle) start(ctx context.Context) error {
	// Not tied to ctx: an interrupted replay still reads nothing more, and
	// Close ends the process.
	cmd := exec.Command("git", "-C", b.dir, "cat-file", "--batch")
	cmd.Env = gitEnv()
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	b.cmd, b.in, b.out = cmd, in, bufio.NewReaderSize(out, 64<<10)
	return nil
}

func (b *bundle) stop() error {
	if b.cmd == nil {
		return nil
	}
	b.in.Close()
	err := b.cmd.Wait()
	b.cmd = nil
	if err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	return nil
}

// object asks cat-file for one object; missing is true when it has none
// by that name.
func (b *bundle) object(name string) (typ string, data []byte, missing bool, err error) {
	if b.cmd == nil {
		return "", nil, false, errors.New("history closed")
	}
	if _, err := io.WriteString(b.in, name+"\n"); err != nil {
		return "", nil, false, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := b.out.ReadString('\n')
	if err != nil {
		return "", nil, false, fmt.Errorf("git cat-file %s: %w", name, err)
	}
	// "<oid> <type> <size>", or "<name> missing" / "<name> ambiguous".
	f := strings.Fields(header)
	if len(f) != 3 {
		if strings.HasSuffix(strings.TrimSpace(header), " missing") {
			return "", nil, true, nil
		}
		return "", nil, false, fmt.Errorf("git cat-file %s: %s", name, strings.TrimSpace(header))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return "", nil, false, fmt.Errorf("git cat-file %s: header %q", name, strings.TrimSpace(header))
	}
	data = make([]byte, size+1) // the object and its closing newline
	if _, err := io.ReadFull(b.out, data); err != nil {
		return "", nil, false, fmt.Errorf("git cat-file %s: %w", name, err)
	}
	return f[1], data[:size], false, nil
}

func (b *bundle) read(ctx context.Context, v *Version) ([]source.RawFile, error) {
	names := b.files
	if len(names) == 0 {
		var err error
		if names, err = b.topFiles(v.commit); err != nil {
			return nil, err
		}
	}
	files := make([]source.RawFile, 0, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		typ, data, missing, err := b.object(v.commit + ":" + name)
		switch {
		case err != nil:
			return nil, err
		case missing:
			return nil, fmt.Errorf("no file %s in the commit", name)
		case typ != "blob":
			return nil, fmt.Errorf("%s is a %s, not a file", name, typ)
		}
		files = append(files, source.RawFile{Name: filepath.Base(name), Origin: b.path + "@" + v.commit[:12] + ":" + name, Data: data})
	}
	return files, nil
}

// topFiles lists the files (blobs) at the top of a commit's tree, in git's
// order, which is by name.
func (b *bundle) topFiles(commit string) ([]string, error) {
	typ, tree, missing, err := b.object(commit + "^{tree}")
	switch {
	case err != nil:
		return nil, err
	case missing || typ != "tree":
		return nil, fmt.Errorf("commit %s has no tree", commit)
	}
	// A tree object is a run of "<mode> <name>\x00<binary object id>"; the
	// id is as long as the commit's id says (SHA-1 or SHA-256).
	idLen := len(commit) / 2
	var names []string
	for len(tree) > 0 {
		sp := bytes.IndexByte(tree, ' ')
		nul := bytes.IndexByte(tree, 0)
		if sp < 0 || nul < sp || len(tree) < nul+1+idLen {
			return nil, fmt.Errorf("commit %s: unreadable tree", commit)
		}
		mode, name := string(tree[:sp]), string(tree[sp+1:nul])
		tree = tree[nul+1+idLen:]
		if mode == "100644" || mode == "100755" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("commit %s holds no files at the top of its tree", commit)
	}
	return names, nil
}
