package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cybersanctions/tracker"
)

// The read methods of the web view (internal/web): a timeline of stored
// changes across lists, every version of one designation, the raw files'
// records without their bytes, and what a list's overview needs.

// TimelineQuery selects stored changes for the timeline. Empty fields do
// not filter.
type TimelineQuery struct {
	List string
	Kind tracker.ChangeKind
	// Regimes keeps the changes whose programmes, after the change or
	// before it (a removal, or an amendment that took a programme away),
	// include one of them; nil keeps every change.
	Regimes []string
	// From and To bound the snapshot's date (the list's own date, else
	// the fetch day), YYYY-MM-DD, both inclusive.
	From, To string
	Limit    int // <= 0: no limit
	Offset   int
}

// TimelineEntry is one stored change with the snapshot it was found in and
// the snapshot it was compared against.
type TimelineEntry struct {
	Snapshot tracker.Snapshot
	Previous int64
	Change   tracker.Change
}

// snapshotDay is a snapshot's date for people and filters: the list's own
// date, else the day it was fetched.
const snapshotDay = `CASE s.published_at WHEN '' THEN substr(s.fetched_at, 1, 10) ELSE s.published_at END`

// Timeline returns stored changes of active snapshots, newest snapshot
// first and in the order stored within one.
func (s *Store) Timeline(ctx context.Context, q TimelineQuery) ([]TimelineEntry, error) {
	where := []string{`s.retracted_at = ''`}
	var args []any
	if q.List != "" {
		where = append(where, `c.list = ?`)
		args = append(args, q.List)
	}
	if q.Kind != "" {
		where = append(where, `c.kind = ?`)
		args = append(args, string(q.Kind))
	}
	if q.From != "" {
		where = append(where, snapshotDay+` >= ?`)
		args = append(args, q.From)
	}
	if q.To != "" {
		where = append(where, snapshotDay+` <= ?`)
		args = append(args, q.To)
	}
	if q.Regimes != nil {
		in := strings.TrimSuffix(strings.Repeat("?, ", len(q.Regimes)), ", ")
		if in == "" {
			return nil, nil
		}
		// The programmes after the change, or, for an amendment of them,
		// before it: losing a regime concerns that regime too.
		where = append(where, `(EXISTS (SELECT 1 FROM json_each(c.body, '$.programs') p WHERE p.value IN (`+in+`))
			OR EXISTS (SELECT 1 FROM json_each(c.body, '$.fields') f, json_each(f.value, '$.before') b
				WHERE json_extract(f.value, '$.field') = 'programs' AND b.value IN (`+in+`)))`)
		for range 2 {
			for _, r := range q.Regimes {
				args = append(args, r)
			}
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	args = append(args, limit, max(q.Offset, 0))
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("s.", snapshotColumns)+`, c.prev_snapshot_id, c.body
		FROM changes c JOIN snapshots s ON s.id = c.snapshot_id
		WHERE `+strings.Join(where, ` AND `)+`
		ORDER BY c.snapshot_id DESC, c.id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return scanAll(rows, func(row scanner) (TimelineEntry, error) {
		var e TimelineEntry
		var body []byte
		sn, err := scanSnapshot(row, &e.Previous, &body)
		if err != nil {
			return e, fmt.Errorf("timeline: %w", err)
		}
		e.Snapshot = *sn
		if err := json.Unmarshal(body, &e.Change); err != nil {
			return e, fmt.Errorf("timeline: decode stored change: %w", err)
		}
		return e, nil
	})
}

// EntityVersion is one version of a designation and the snapshots it was
// listed in: from From up to, not including, Until (nil: still listed in
// the latest).
type EntityVersion struct {
	From   tracker.Snapshot
	Until  *tracker.Snapshot
	Entity *tracker.Entity
}

// EntityVersions returns every stored version of one designation of a
// list, oldest first; none when the list never held it.
func (s *Store) EntityVersions(ctx context.Context, list, entityID string) ([]EntityVersion, error) {
	var out []EntityVersion
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT m.from_snapshot, COALESCE(m.to_snapshot, 0), v.body
			FROM memberships m JOIN entity_versions v ON v.id = m.version_id
			WHERE m.list = ? AND m.entity_id = ? ORDER BY m.from_snapshot`, list, entityID)
		if err != nil {
			return err
		}
		type row struct {
			from, until int64
			body        []byte
		}
		rs, err := scanAll(rows, func(r scanner) (row, error) {
			var x row
			return x, r.Scan(&x.from, &x.until, &x.body)
		})
		if err != nil {
			return err
		}
		for _, x := range rs {
			v := EntityVersion{}
			if v.Entity, err = tracker.DecodeEntity(x.body); err != nil {
				return err
			}
			sn, err := scanSnapshot(tx.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots WHERE id = ?`, x.from))
			if err != nil {
				return err
			}
			v.From = *sn
			if x.until != 0 {
				if v.Until, err = scanSnapshot(tx.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots WHERE id = ?`, x.until)); err != nil {
					return err
				}
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %s %s: %w", list, entityID, err)
	}
	return out, nil
}

// RawFileInfo is what is recorded of a raw file, without its bytes.
type RawFileInfo struct {
	Seq    int
	Name   string
	Size   int64
	SHA256 string
	Pruned bool // retention dropped the data; name, size and hash remain
}

// RawFileInfos returns the records of the raw files of every snapshot of a
// list, by snapshot id, in publication order; nothing is decompressed.
func (s *Store) RawFileInfos(ctx context.Context, list string) (map[int64][]RawFileInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.snapshot_id, r.seq, r.name, r.size, r.sha256, r.data IS NULL
		FROM raw_files r JOIN snapshots s ON s.id = r.snapshot_id WHERE s.list = ? ORDER BY r.snapshot_id, r.seq`, list)
	if err != nil {
		return nil, fmt.Errorf("raw files of %s: %w", list, err)
	}
	type row struct {
		id int64
		RawFileInfo
	}
	rs, err := scanAll(rows, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.Seq, &x.Name, &x.Size, &x.SHA256, &x.Pruned)
	})
	if err != nil {
		return nil, fmt.Errorf("raw files of %s: %w", list, err)
	}
	out := map[int64][]RawFileInfo{}
	for _, x := range rs {
		out[x.id] = append(out[x.id], x.RawFileInfo)
	}
	return out, nil
}

// PendingQuarantine returns the list's newest quarantined snapshot that
// waits for a person to accept it (newer than the latest active one, not
// accepted), or ErrNotFound.
func (s *Store) PendingQuarantine(ctx context.Context, list string) (*tracker.Snapshot, error) {
	sn, err := scanSnapshot(s.r.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'quarantined' AND accepted_as IS NULL AND retracted_at = ''
		  AND id > coalesce((SELECT max(id) FROM snapshots WHERE list = ? AND status = 'active' AND retracted_at = ''), 0)
		ORDER BY id DESC LIMIT 1`, list, list))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("quarantined snapshot of %s: %w", list, err)
	}
	return sn, err
}

// LastChanged returns the list's newest active snapshot stored with
// changes, or ErrNotFound: a snapshot the parser re-read silently changed
// nothing the publisher did.
func (s *Store) LastChanged(ctx context.Context, list string) (*tracker.Snapshot, error) {
	sn, err := scanSnapshot(s.r.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE id = (SELECT max(c.snapshot_id) FROM changes c JOIN snapshots s ON s.id = c.snapshot_id
			WHERE c.list = ? AND s.retracted_at = '')`, list))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("last change of %s: %w", list, err)
	}
	return sn, err
}

// StoredLists returns the name of every list with a snapshot.
func (s *Store) StoredLists(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT list FROM snapshots ORDER BY list`)
	if err != nil {
		return nil, fmt.Errorf("stored lists: %w", err)
	}
	return scanAll(rows, func(r scanner) (string, error) {
		var name string
		return name, r.Scan(&name)
	})
}
