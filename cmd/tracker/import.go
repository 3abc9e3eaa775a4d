package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
)

func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("import", "--list NAME [--as-of DATE] FILE...", `
Store one publication of a list from local files as a new snapshot, and
report what changed since the list's previous snapshot. A list published as
several files (OFAC's sdn.csv with add.csv, alt.csv and sdn_comments.csv) is
given all at once. Identical content is not stored twice. A file that does
not parse leaves the database untouched (exit 2).

The alerts about the new snapshot's changes under the alert regimes are
queued with it and sent (Slack, else stdout); the list's first snapshot is
a silent baseline. With --no-notify they stay queued for the next 'tracker
notify', 'fetch', 'import' or 'run'. An alert that cannot be sent stays
queued too, and the exit status is 2.

Lists: `+listNames())
	list := fs.String("list", "", "list `name` (required)")
	asOf := fs.String("as-of", "", "publication `date` (YYYY-MM-DD) for files that carry none, such as OFAC CSV")
	noNotify := fs.Bool("no-notify", false, "queue the alerts but do not send them now")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if *list == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	l, err := lists.Lookup(*list)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	files, err := readFiles(ctx, fs.Args(), cfg.List(l.Name).MaxBytes)
	if err != nil {
		return err
	}
	var size int64
	for _, f := range files {
		size += int64(len(f.Data))
	}
	fitMemoryToInput(size)
	p, err := e.openPipeline(ctx, pipelineOptions{})
	if err != nil {
		return err
	}
	defer p.Close()
	if others, err := p.store.OthersStored(ctx, l.Name); err != nil {
		return err
	} else if others {
		fitMemoryForLinking()
	}
	res, err := p.ingester.Ingest(ctx, ingest.Request{List: l, Files: files, AsOf: *asOf})
	if err != nil {
		return err
	}
	printSaveResult(e, l, res)
	if *noNotify {
		return nil
	}
	return e.dispatch(ctx, "import", p)
}

// readFiles reads list files named on the command line, capped at the
// list's max_bytes like a download (gzip undone, a FIFO or device refused).
func readFiles(ctx context.Context, paths []string, limit int64) ([]source.RawFile, error) {
	files := make([]source.RawFile, 0, len(paths))
	for _, p := range paths {
		data, gunzipped, err := fetch.ReadLocalFile(ctx, p, limit)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(p)
		if gunzipped {
			name = strings.TrimSuffix(name, ".gz")
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		files = append(files, source.RawFile{Name: name, Origin: abs, Data: data})
	}
	return files, nil
}

func listNames() string { return strings.Join(lists.Names(), ", ") }
