// Package ingest is the pipeline's middle: it turns a list's raw files into
// a stored snapshot (parse, then store with its changes), and fetches them
// first when asked to. The CLI's import and fetch and the daemon share it.
package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// Ingester stores publications of lists.
type Ingester struct {
	Store *store.Store
	Log   *slog.Logger
	// AfterSave runs inside a new snapshot's transaction; the outbox
	// enqueues its deliveries there.
	AfterSave func(ctx context.Context, tx *sql.Tx, res *store.SaveResult) error
	// Guards returns a list's sanity guards; nil: none.
	Guards func(list string) store.Guards
	// RawRetention is how many newest snapshots per list keep their raw
	// files' data; negative keeps all, 0 none.
	RawRetention int
}

// Request is one publication to store.
type Request struct {
	List  lists.List
	Files []source.RawFile
	// AsOf overrides the publication date (YYYY-MM-DD) for formats that carry
	// none, such as OFAC's CSV files, when importing history.
	AsOf      string
	FetchedAt time.Time
	// Downloaded: the files came from the list's URLs (fetch, the daemon),
	// not from files an operator named. A download must be whole by its
	// format's own seal (OFAC CSV's end-of-file byte), else nothing is
	// stored.
	Downloaded bool
	// Redownload, if set, downloads the publication again; removals in a
	// format that cannot prove itself whole are believed only when it gives
	// the same bytes.
	Redownload func(ctx context.Context) ([]source.RawFile, error)
	// ModifiedAt is the server's Last-Modified for a download; zero for
	// files an operator named.
	ModifiedAt time.Time
}

// Ingest parses the files of one publication and stores it as a snapshot
// unless its content equals the latest one. A file that does not parse
// leaves the database untouched; a publication that breaks the list's
// guards is stored quarantined.
func (in *Ingester) Ingest(ctx context.Context, req Request) (*store.SaveResult, error) {
	if len(req.Files) == 0 {
		return nil, fmt.Errorf("%s: no files", req.List.Name)
	}
	if req.AsOf != "" {
		if _, err := time.Parse("2006-01-02", req.AsOf); err != nil {
			return nil, fmt.Errorf("%s: --as-of %q: want YYYY-MM-DD", req.List.Name, req.AsOf)
		}
	}
	// The raw files are hashed beside the parse, then compressed for
	// audit beside the snapshot's writes: on two cores that costs no wall
	// time.
	raw := in.startRaw(ctx, req)
	defer raw.wait() // no compression outlives the import
	pub, err := req.List.Parse(ctx, req.Files)
	raw.parseDone(err == nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.List.Name, err)
	}
	if pub.Unsealed != "" {
		if req.Downloaded {
			return nil, fmt.Errorf("%s: %s: the download was cut short; nothing stored", req.List.Name, pub.Unsealed)
		}
		if in.Log != nil {
			in.Log.Warn("file lacks its publisher's end: if it has removals it is quarantined", "list", req.List.Name, "why", pub.Unsealed)
		}
	}
	ns := in.newSnapshot(req, pub, raw.digest())
	// Refused publications cost nothing more: the checks below read the
	// database, may store a re-read and may download again.
	if err := checkNotFuture(req, ns.PublishedAt); err != nil {
		return nil, err
	}
	if err := in.reread(ctx, req.List); err != nil {
		return nil, err
	}
	if ns.Suspect, err = in.suspectCut(ctx, req, pub); err != nil {
		return nil, err
	}
	ns.PendingRaw = raw.files
	res, err := in.Store.SaveSnapshot(ctx, ns)
	if err != nil {
		return nil, err
	}
	in.logResult(res)
	return res, nil
}

// newSnapshot is what Ingest and Accept store of a parsed publication.
func (in *Ingester) newSnapshot(req Request, pub *source.Publication, rawSHA256 string) store.NewSnapshot {
	published := pub.PublishedAt
	if req.AsOf != "" {
		published = req.AsOf
	}
	origins := make([]string, len(req.Files))
	for i, f := range req.Files {
		origins[i] = f.Origin
	}
	ns := store.NewSnapshot{
		List:          req.List.Name,
		Source:        strings.Join(origins, " "),
		FetchedAt:     req.FetchedAt,
		ModifiedAt:    req.ModifiedAt,
		PublishedAt:   published,
		RawSHA256:     rawSHA256,
		Entities:      pub.Entities,
		RawRetention:  in.RawRetention,
		AfterSave:     in.AfterSave,
		ParserVersion: source.ParserVersion,
		Drift:         pub.Drift,
		Remembered:    pub.Remembered,
	}
	if in.Guards != nil {
		ns.Guards = in.Guards(req.List.Name)
	}
	return ns
}

func (in *Ingester) logResult(res *store.SaveResult) {
	if in.Log == nil {
		return
	}
	sn := res.Snapshot
	switch {
	case !res.Created && res.Quarantined():
		in.Log.Warn("content unchanged since the quarantined snapshot: nothing stored", "list", sn.List, "snapshot", sn.ID, "reason", sn.Note)
	case !res.Created:
		in.Log.Info("content unchanged: no new snapshot", "list", sn.List, "snapshot", sn.ID)
	case res.Quarantined():
		in.Log.Warn("snapshot quarantined: not used as latest, no alerts, until a person accepts it", "list", sn.List, "snapshot", sn.ID, "reason", sn.Note)
	case res.Previous == nil:
		in.Log.Info("first snapshot of the list stored as a silent baseline: no alerts", "list", sn.List, "snapshot", sn.ID, "entities", sn.EntityCount)
	default:
		in.Log.Info("snapshot stored", "list", sn.List, "snapshot", sn.ID, "previous", res.Previous.ID,
			"entities", sn.EntityCount, "changes", len(res.Changes))
	}
}

// RawSHA256 hashes a publication's raw files, in order: the sha256 over each
// file's name and sha256.
func RawSHA256(files []source.RawFile) string {
	sums := make([][sha256.Size]byte, len(files))
	for i, f := range files {
		sums[i] = sha256.Sum256(f.Data)
	}
	return rawDigest(files, sums)
}

func rawDigest(files []source.RawFile, sums [][sha256.Size]byte) string {
	h := sha256.New()
	for i, f := range files {
		h.Write([]byte(f.Name))
		h.Write([]byte{0})
		h.Write(sums[i][:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MaxFutureSkew is how far past now a publication date may lie: a day for
// time zones and a day for a publisher that dates a list by the day it takes
// effect. A date further ahead is an error, never a snapshot: the store
// refuses anything older than its latest, so one publication dated 2092
// would freeze the list for good.
const MaxFutureSkew = 48 * time.Hour

func checkNotFuture(req Request, published string) error {
	if published == "" {
		return nil
	}
	d, err := time.Parse(time.DateOnly, published)
	if err != nil {
		return fmt.Errorf("%s: publication date %q is not YYYY-MM-DD", req.List.Name, published)
	}
	now := req.FetchedAt
	if now.IsZero() {
		now = time.Now()
	}
	if d.After(now.Add(MaxFutureSkew)) {
		what := "the file states"
		if req.AsOf != "" {
			what = "--as-of"
		}
		return fmt.Errorf("%s: publication date %s (%s) is more than 2 days after now (%s): refused, since it would make every later publication look older",
			req.List.Name, published, what, now.UTC().Format(time.DateOnly))
	}
	return nil
}

// keptFiles reads a snapshot's raw published files back for parsing, with
// the stored rows they came from, and checks them against the snapshot's
// recorded hash. It returns no files, and no error, when retention kept
// none of them or pruned any: callers that need them say so themselves.
func (in *Ingester) keptFiles(ctx context.Context, sn *tracker.Snapshot) ([]source.RawFile, []store.RawFile, error) {
	raw, err := in.Store.RawFiles(ctx, sn.ID)
	if err != nil {
		return nil, nil, err
	}
	files := make([]source.RawFile, 0, len(raw))
	for _, f := range raw {
		if f.Pruned() {
			return nil, nil, nil
		}
		data, err := f.Data()
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot %s: %w", sn.Label(), err)
		}
		files = append(files, source.RawFile{Name: f.Name, Origin: f.Name, Data: data})
	}
	if len(files) == 0 {
		return nil, nil, nil
	}
	if got := RawSHA256(files); got != sn.RawSHA256 {
		return nil, nil, fmt.Errorf("snapshot %s: raw files hash to %s, recorded %s", sn.Label(), got, sn.RawSHA256)
	}
	return files, raw, nil
}
