package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cybersanctions/tracker"
)

// EntityHistory returns every stored change of one entity of a list, oldest
// first, with the snapshot each was found in.
func (s *Store) EntityHistory(ctx context.Context, list, entityID string) ([]HistoryEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("s.", snapshotColumns)+`, c.body
		FROM changes c JOIN snapshots s ON s.id = c.snapshot_id
		WHERE c.list = ? AND c.entity_id = ? AND s.retracted_at = '' ORDER BY c.snapshot_id`, list, entityID)
	if err != nil {
		return nil, fmt.Errorf("history of %s %s: %w", list, entityID, err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var body []byte
		sn, err := scanSnapshot(rows, &body)
		if err != nil {
			return nil, err
		}
		h := HistoryEntry{Snapshot: *sn}
		if err := json.Unmarshal(body, &h.Change); err != nil {
			return nil, fmt.Errorf("decode stored change: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HistoryEntry is one change of an entity and the snapshot it appeared in.
type HistoryEntry struct {
	Snapshot tracker.Snapshot
	Change   tracker.Change
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

// ListsHolding returns the lists that hold or held an entity with this
// id, sorted: a publisher's id can name designations on several lists
// (OFSI's and the FCDO's UK ids).
func (s *Store) ListsHolding(ctx context.Context, entityID string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT list FROM memberships WHERE entity_id = ? ORDER BY list`, entityID)
	if err != nil {
		return nil, fmt.Errorf("lists holding %s: %w", entityID, err)
	}
	return scanAll(rows, func(r scanner) (string, error) {
		var l string
		return l, r.Scan(&l)
	})
}
