package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// A publication cut short parses as a list with fewer entries, and every
// missing entry would be announced as a delisting: the worst alert there
// is. Removals are therefore believed only when nothing says the file was
// cut: the file ends the way its publisher ends it (OFAC CSV: 0x1A; OFAC
// XML: its Record_Count), and for a format that cannot prove itself whole
// (EU, UK) the removed entries are not exactly the tail of the previous
// publication and, for a download, a second download gives the same
// bytes. A sealed file's removals are believed without re-reading the
// previous publication, which would cost a second parse on every import
// with a delisting.

// ErrUnconfirmed is returned when a publication with removals, in a format
// that cannot prove itself whole, changed between two downloads: nothing is
// stored and the next check tries again.
var ErrUnconfirmed = errors.New("removals not confirmed")

// suspectCut returns why the publication's removals look like a cut (the
// snapshot is then quarantined if it has removals), or "". For a download
// of an unsealed format with removals it downloads again (req.Redownload)
// and requires the same bytes.
func (in *Ingester) suspectCut(ctx context.Context, req Request, pub *source.Publication) (string, error) {
	if pub.Sealed {
		// The format proved the file whole (OFAC's Record_Count, or 0x1A
		// on every CSV file): its removals are the publisher's.
		return "", nil
	}
	latest, ids, err := in.Store.LatestIDs(ctx, req.List.Name)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil // a baseline announces nothing
	}
	if err != nil {
		return "", err
	}
	for _, e := range pub.Entities {
		delete(ids, e.ID)
	}
	removed := len(ids)
	if removed == 0 {
		return "", nil
	}
	if pub.Unsealed != "" {
		return fmt.Sprintf("%s, and %d entries of %s would be removed: a file cut short? (removals not announced; check the file, then 'tracker accept')",
			pub.Unsealed, removed, latest.Label()), nil
	}
	if reason, err := in.tailCut(ctx, req.List, latest, ids, pub.Entities); reason != "" || err != nil {
		return reason, err
	}
	if req.Redownload != nil {
		again, err := req.Redownload(ctx)
		if err != nil {
			return "", fmt.Errorf("%s: %d removals to confirm, second download: %w", req.List.Name, removed, err)
		}
		if RawSHA256(again) != RawSHA256(req.Files) {
			return "", fmt.Errorf("%s: %d entries would be removed but the publication changed between two downloads; nothing stored, the next check tries again: %w",
				req.List.Name, removed, ErrUnconfirmed)
		}
		if in.Log != nil {
			in.Log.Info("removals confirmed by a second identical download", "list", req.List.Name, "removed", removed)
		}
	}
	return "", nil
}

// tailCut reports a publication that ends where the previous one's removed
// entries begin: the removed entries are exactly the last ones of the
// previous publication's order and this one's last entry is the one
// before them. Real delistings fall anywhere in the file; new entries are
// appended at the end. The previous order comes from its kept raw files;
// when retention pruned them the check cannot be made and says so in the
// log.
func (in *Ingester) tailCut(ctx context.Context, l lists.List, latest *tracker.Snapshot, removed map[string]bool, now []*tracker.Entity) (string, error) {
	prev, err := in.previousOrder(ctx, l, latest)
	if err != nil || prev == nil {
		return "", err
	}
	k := len(removed)
	if k >= len(prev) || len(now) == 0 {
		return "", nil
	}
	for _, e := range prev[len(prev)-k:] {
		if !removed[e.ID] {
			return "", nil
		}
	}
	if now[len(now)-1].ID != prev[len(prev)-k-1].ID {
		return "", nil
	}
	return fmt.Sprintf("the %d entries that would be removed are exactly the last %d of %s and this publication ends where they began: a file cut short? (removals not announced; check the file, then 'tracker accept')",
		k, k, latest.Label()), nil
}

// previousOrder parses the latest snapshot's raw files again for the order
// of its entries; nil when they were not kept.
func (in *Ingester) previousOrder(ctx context.Context, l lists.List, latest *tracker.Snapshot) ([]*tracker.Entity, error) {
	files, _, err := in.keptFiles(ctx, latest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.Name, err)
	}
	if len(files) == 0 {
		if in.Log != nil {
			in.Log.Warn("raw files of the previous snapshot not kept: cannot check whether removals are a cut tail", "list", l.Name, "snapshot", latest.ID)
		}
		return nil, nil
	}
	pub, err := l.Parse(ctx, files)
	if err != nil {
		return nil, fmt.Errorf("%s: parse raw files of %s again: %w", l.Name, latest.Label(), err)
	}
	return pub.Entities, nil
}
