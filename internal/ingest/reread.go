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

// reread makes the list's latest snapshot read the way this tracker reads
// publications before a new one is compared with it. A snapshot stored by
// an older parser (source.ParserVersion) is parsed again from its raw files
// and, if that reads differently, stored as a new snapshot with no alerts
// and a note saying why: otherwise the next publication would announce the
// tracker's own change of reading (a name, a date) as amendments by the
// publisher. When the raw files were not kept it cannot, and says so.
func (in *Ingester) reread(ctx context.Context, l lists.List) error {
	latest, err := in.Store.Latest(ctx, l.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	if latest.ParserVersion >= source.ParserVersion {
		return nil
	}
	files, storeRaw, err := in.keptFiles(ctx, latest)
	if err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	if len(files) == 0 {
		if in.Log != nil {
			in.Log.Warn("the latest snapshot was read by an older tracker and its raw files were not kept: the next alert may show the tracker's own changes of reading as amendments",
				"list", l.Name, "snapshot", latest.ID)
		}
		return in.Store.SetParserVersion(ctx, latest.ID, source.ParserVersion)
	}
	pub, err := l.Parse(ctx, files)
	if err != nil {
		return fmt.Errorf("%s: re-read %s with this tracker: %w", l.Name, latest.Label(), err)
	}
	res, err := in.Store.SaveSnapshot(ctx, store.NewSnapshot{
		List: l.Name, Source: latest.Source, FetchedAt: latest.FetchedAt, PublishedAt: latest.PublishedAt,
		RawSHA256: latest.RawSHA256, Entities: pub.Entities, RawFiles: storeRaw, RawRetention: in.RawRetention,
		ParserVersion: source.ParserVersion,
		Note: fmt.Sprintf("#%d re-read by tracker %s (parser version %d): its changes are the tracker's reading, not the publisher's; never announced",
			latest.ID, tracker.Version, source.ParserVersion),
	})
	if err != nil {
		return fmt.Errorf("%s: store re-read of %s: %w", l.Name, latest.Label(), err)
	}
	if !res.Created {
		return in.Store.SetParserVersion(ctx, latest.ID, source.ParserVersion)
	}
	if in.Log != nil {
		in.Log.Info("latest snapshot re-read by this tracker, stored without alerts", "list", l.Name,
			"snapshot", res.Snapshot.ID, "of", latest.ID, "changes", len(res.Changes))
	}
	return nil
}
