package tracker

// ChangeKind says what happened to a designation between two snapshots.
type ChangeKind string

const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Amended ChangeKind = "amended"
)

// Change is one difference between two snapshots of a list.
//
// Programs are the entity's programmes after the change (before it, for a
// removal). An amendment that changed the programmes has a "programs" entry
// in Fields, which is how a regime filter tells a new designation under a
// regime from an amendment.
type Change struct {
	Kind       ChangeKind    `json:"kind"`
	List       string        `json:"list"`
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	EntityKind Kind          `json:"entity_kind,omitempty"`
	Programs   []string      `json:"programs"`
	Fields     []FieldChange `json:"fields,omitempty"`
	Entity     *Entity       `json:"entity,omitempty"` // after the change; before it, for a removal
	// AlsoListed are the designations of the same subject on the other
	// tracked lists, as linked when the snapshot was stored (added and
	// amended changes only).
	AlsoListed []Listing `json:"also_listed,omitempty"`
	// NotListedBy are the authorities ("EU", "UK", "US") of the other
	// tracked lists with no designation linked to this one; the lists of
	// the entity's own authority are not counted.
	NotListedBy []string `json:"not_listed_by,omitempty"`
}

// Listing is a designation on another list linked to an entity: the same
// subject, and why the tracker thinks so.
type Listing struct {
	List string `json:"list"`
	// Authority is who designates on List ("UK"), as the registry says.
	Authority  string   `json:"authority,omitempty"`
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Regimes    []string `json:"regimes,omitempty"`
	Designated string   `json:"designated,omitempty"`
	// StillListed: in the other list's latest snapshot. Else ListedUntil
	// is the date of its first snapshot without the designation.
	StillListed bool    `json:"still_listed"`
	ListedUntil string  `json:"listed_until,omitempty"`
	Reason      string  `json:"reason"`
	Score       float64 `json:"score"`
}

// FieldChange is one field's values before and after an amendment. Every
// field is rendered as a list of strings (a scalar as one element, an empty
// value as none); Added and Removed hold the elements only on one side.
type FieldChange struct {
	Field   string   `json:"field"`
	Before  []string `json:"before"`
	After   []string `json:"after"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}
