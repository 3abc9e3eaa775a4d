package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// What a screening hit raised last (screening_hits.raised).
const (
	RaisedHit     = "hit"     // a possible match, raised for the first time (or listed again)
	RaisedAmended = "amended" // the designation was amended after it was raised
	RaisedRemoved = "removed" // the designation is no longer listed
)

// ScreeningHit is a designation raised as a possible match of one of the
// team's counterparties: one per pair, updated when it is raised again.
type ScreeningHit struct {
	List          string
	DesignationID string
	PartyRef      string
	SnapshotID    int64 // the snapshot whose changes raised it last
	Score         float64
	Matched       []string
	// Version is the sha256 of the designation's entity version last
	// raised about: an amendment changes it.
	Version       string
	Raised        string // RaisedHit, RaisedAmended, RaisedRemoved
	FirstRaisedAt time.Time
	RaisedAt      time.Time
}

const screeningColumns = `list, designation_id, party_ref, snapshot_id, score, matched, version, raised, first_raised_at, raised_at`

func scanScreeningHit(row scanner) (ScreeningHit, error) {
	var h ScreeningHit
	var matched, first, last string
	if err := row.Scan(&h.List, &h.DesignationID, &h.PartyRef, &h.SnapshotID, &h.Score, &matched, &h.Version, &h.Raised, &first, &last); err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(matched), &h.Matched); err != nil {
		return h, fmt.Errorf("screening hit %s %s %s: matched: %w", h.List, h.DesignationID, h.PartyRef, err)
	}
	var err error
	if h.FirstRaisedAt, err = parseTime(first); err != nil {
		return h, err
	}
	h.RaisedAt, err = parseTime(last)
	return h, err
}

// ScreeningHitsTx returns, inside the caller's transaction, the hits
// recorded for the given designations of a list, by designation id. It is
// read in the transaction that records the new ones, so two processes
// storing snapshots never both raise the same pair.
func (s *Store) ScreeningHitsTx(ctx context.Context, tx *sql.Tx, list string, ids []string) (map[string][]ScreeningHit, error) {
	out := map[string][]ScreeningHit{}
	const batch = 500 // below SQLite's limit on bound parameters
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, list)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+screeningColumns+` FROM screening_hits
			WHERE list = ? AND designation_id IN (?`+strings.Repeat(", ?", len(part)-1)+`) ORDER BY designation_id, party_ref`, args...)
		if err != nil {
			return nil, fmt.Errorf("screening hits of %s: %w", list, err)
		}
		hits, err := scanAll(rows, scanScreeningHit)
		if err != nil {
			return nil, fmt.Errorf("screening hits of %s: %w", list, err)
		}
		for _, h := range hits {
			out[h.DesignationID] = append(out[h.DesignationID], h)
		}
	}
	return out, nil
}

// RecordScreeningHitTx records that a hit was raised, inside the
// transaction that queues its alert: a new pair is inserted with
// first_raised_at now, a known one updated and keeps its first time.
func (s *Store) RecordScreeningHitTx(ctx context.Context, tx *sql.Tx, h ScreeningHit) error {
	matched, err := json.Marshal(h.Matched)
	if err != nil {
		return err
	}
	if h.Matched == nil {
		matched = []byte("[]")
	}
	now := formatTime(s.Now())
	_, err = tx.ExecContext(ctx, `INSERT INTO screening_hits (`+screeningColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (list, designation_id, party_ref) DO UPDATE SET snapshot_id = excluded.snapshot_id,
			score = excluded.score, matched = excluded.matched, version = excluded.version,
			raised = excluded.raised, raised_at = excluded.raised_at`,
		h.List, h.DesignationID, h.PartyRef, h.SnapshotID, h.Score, string(matched), h.Version, h.Raised, now, now)
	if err != nil {
		return fmt.Errorf("record screening hit %s %s for %s: %w", h.List, h.DesignationID, h.PartyRef, err)
	}
	return nil
}

// ScreeningHits returns every recorded hit, by list, designation and
// counterparty.
func (s *Store) ScreeningHits(ctx context.Context) ([]ScreeningHit, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+screeningColumns+` FROM screening_hits ORDER BY list, designation_id, party_ref`)
	if err != nil {
		return nil, fmt.Errorf("screening hits: %w", err)
	}
	hits, err := scanAll(rows, scanScreeningHit)
	if err != nil {
		return nil, fmt.Errorf("screening hits: %w", err)
	}
	return hits, nil
}
