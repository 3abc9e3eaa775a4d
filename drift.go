package tracker

// Drift is a part of a publication's format the parser does not know: a
// column, XML element or attribute it does not read, or a value outside a
// closed set it maps (a UK regime title). The publication is still read and
// stored, the value kept verbatim; the store records each drift once per
// list so operators hear of it once, not on every run.
type Drift struct {
	// Kind is "column", "element", "attribute" or "value".
	Kind string
	// Name identifies the drift within its list and kind: the column or
	// element name ("Designation/RiskScore"), or for a value the field and
	// the value ("regime=The … Regulations 2025").
	Name string
	// Example is where or how it was seen, for people: an entity id, a
	// value. Publisher text: escape it for its medium.
	Example string
	// File and Pos locate the first occurrence ("line 2").
	File, Pos string
}

// Drift kinds.
const (
	DriftColumn    = "column"
	DriftElement   = "element"
	DriftAttribute = "attribute"
	DriftValue     = "value"
)
