package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// Review is what accepting a quarantined snapshot would change.
type Review struct {
	Quarantined tracker.Snapshot
	Latest      *tracker.Snapshot // the list's latest active snapshot; nil if none
	Changes     []tracker.Change  // from Latest to the quarantined content, every regime
}

// Review parses a quarantined snapshot's raw files again and compares them
// with the list's latest active snapshot, so a person can see what
// accepting it would announce. It stores nothing.
func (in *Ingester) Review(ctx context.Context, id int64) (*Review, error) {
	sn, _, pub, err := in.quarantined(ctx, id)
	if err != nil {
		return nil, err
	}
	r := &Review{Quarantined: *sn}
	latest, err := in.Store.Latest(ctx, sn.List)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return r, nil
	case err != nil:
		return nil, err
	}
	old, err := in.Store.Entities(ctx, latest)
	if err != nil {
		return nil, err
	}
	r.Latest, r.Changes = latest, diff.Compare(sn.List, old, pub.Entities)
	return r, nil
}

// Accept stores a quarantined snapshot's publication as the list's latest
// after a person checked it: its raw files are read back (sha256 checked),
// parsed again and stored without guards, with its alerts. Only the newest
// quarantined snapshot of a list, newer than every active one, can be
// accepted.
func (in *Ingester) Accept(ctx context.Context, id int64) (*store.SaveResult, error) {
	sn, req, pub, err := in.quarantined(ctx, id)
	if err != nil {
		return nil, err
	}
	ns := in.newSnapshot(req, pub, sn.RawSHA256) // quarantined() checked the files against it
	ns.Source, ns.Accepts, ns.Guards = sn.Source, sn.ID, store.Guards{}
	res, err := in.Store.SaveSnapshot(ctx, ns)
	if err != nil {
		return nil, err
	}
	in.logResult(res)
	return res, nil
}

// quarantined reads a quarantined snapshot's raw files back and parses them.
func (in *Ingester) quarantined(ctx context.Context, id int64) (*tracker.Snapshot, Request, *source.Publication, error) {
	sn, err := in.Store.Snapshot(ctx, id)
	if err != nil {
		return nil, Request{}, nil, err
	}
	if sn.Status != tracker.SnapshotQuarantined {
		return nil, Request{}, nil, fmt.Errorf("snapshot %s is %s, not quarantined: %w", sn.Label(), sn.Status, store.ErrNotAcceptable)
	}
	if as, err := in.Store.AcceptedAs(ctx, id); err != nil || as != 0 {
		if err == nil {
			err = fmt.Errorf("snapshot %s was already accepted as snapshot %d: %w", sn.Label(), as, store.ErrNotAcceptable)
		}
		return nil, Request{}, nil, err
	}
	l, err := lists.Lookup(sn.List)
	if err != nil {
		return nil, Request{}, nil, err
	}
	files, _, err := in.keptFiles(ctx, sn)
	if err != nil {
		return nil, Request{}, nil, err
	}
	if len(files) == 0 {
		return nil, Request{}, nil, fmt.Errorf("snapshot %s: its raw files were not kept", sn.Label())
	}
	req := Request{List: l, AsOf: sn.PublishedAt, FetchedAt: sn.FetchedAt, Files: files}
	pub, err := l.Parse(ctx, req.Files)
	if err != nil {
		return nil, Request{}, nil, fmt.Errorf("%s: snapshot %s: %w", sn.List, sn.Label(), err)
	}
	return sn, req, pub, nil
}
