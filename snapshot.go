package tracker

import (
	"strconv"
	"time"
)

// Snapshot is one stored publication of a list.
type Snapshot struct {
	ID            int64     `json:"id"`
	List          string    `json:"list"`
	FetchedAt     time.Time `json:"fetched_at"`             // when tracker fetched or imported it
	PublishedAt   string    `json:"published_at,omitempty"` // the list's own date (ISO), when it states one
	Source        string    `json:"source"`                 // URLs or file paths, space-separated
	RawSHA256     string    `json:"raw_sha256"`             // over the raw published files, in order
	ContentSHA256 string    `json:"content_sha256"`         // over the sorted (id, entity hash) pairs
	EntityCount   int       `json:"entity_count"`
	Status        string    `json:"status"`         // SnapshotActive or SnapshotQuarantined
	Note          string    `json:"note,omitempty"` // why a snapshot was quarantined, or other remarks
	// ParserVersion is how the tracker read the publication (see
	// source.ParserVersion).
	ParserVersion int `json:"parser_version"`
	// ModifiedAt is the publisher's Last-Modified for the files (the
	// newest, when several), to the second; zero when the server sent
	// none, and for imports. FetchedAt is when the tracker first saw them.
	ModifiedAt time.Time `json:"modified_at,omitzero"`
}

const (
	SnapshotActive      = "active"
	SnapshotQuarantined = "quarantined"
	// SnapshotRetracted: an operator withdrew it (tracker retract); kept
	// for audit, never a list's latest.
	SnapshotRetracted = "retracted"
)

// Label names a snapshot for people: its id and the list's own date, or,
// for a list that states none, its fetch time marked as such.
func (s Snapshot) Label() string {
	d := s.PublishedAt
	if d == "" {
		d = "fetched " + s.FetchedAt.UTC().Format(time.RFC3339)
	}
	return "#" + strconv.FormatInt(s.ID, 10) + " " + s.List + " " + d
}
