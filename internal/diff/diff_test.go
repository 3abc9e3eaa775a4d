package diff

import (
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

func ent(id, name string, programs ...string) *tracker.Entity {
	e := &tracker.Entity{ID: id, Name: name, Kind: tracker.KindEntity, Programs: programs}
	e.Canonicalize()
	return e
}

func with(e *tracker.Entity, f func(*tracker.Entity)) *tracker.Entity {
	c := *e
	f(&c)
	c.Canonicalize()
	return &c
}

func TestCompare(t *testing.T) {
	chatex := ent("32540", "CHATEX", "CYBER2")
	bank := ent("306", "BANCO NACIONAL DE CUBA", "CUBA")
	tests := []struct {
		name     string
		old, new []*tracker.Entity
		want     []string // "kind id field,field"
	}{
		{"identical", []*tracker.Entity{chatex, bank}, []*tracker.Entity{bank, chatex}, nil},
		{"added", []*tracker.Entity{bank}, []*tracker.Entity{bank, chatex}, []string{"added 32540"}},
		{"removed", []*tracker.Entity{bank, chatex}, []*tracker.Entity{bank}, []string{"removed 32540"}},
		{"amended alias and wallet", []*tracker.Entity{chatex}, []*tracker.Entity{with(chatex, func(e *tracker.Entity) {
			e.Aliases = []tracker.Alias{{Name: "CHATEX EXCHANGE", Type: "aka"}}
			e.Identifiers = []tracker.Identifier{{Type: "Digital Currency Address - XBT", Value: "1abc"}}
		})}, []string{"amended 32540 aliases,identifiers"}},
		{"reordered lists are not a change", []*tracker.Entity{with(bank, func(e *tracker.Entity) {
			e.Nationalities = []string{"Cuba", "Spain"}
		})}, []*tracker.Entity{with(bank, func(e *tracker.Entity) {
			e.Nationalities = []string{"Spain", " Cuba "}
		})}, nil},
		{"numeric id order", nil, []*tracker.Entity{ent("10278", "B"), ent("9639", "A"), ent("CYB0001", "C")},
			[]string{"added 9639", "added 10278", "added CYB0001"}},
		{"attrs", []*tracker.Entity{with(bank, func(e *tracker.Entity) { e.Attrs = map[string]string{"last_updated": "2023-01-01"} })},
			[]*tracker.Entity{with(bank, func(e *tracker.Entity) { e.Attrs = map[string]string{"last_updated": "2024-01-01"} })},
			[]string{"amended 306 attrs.last_updated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(Compare("test", tt.old, tt.new))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func summarize(changes []tracker.Change) []string {
	var out []string
	for _, c := range changes {
		s := string(c.Kind) + " " + c.ID
		var fields []string
		for _, f := range c.Fields {
			fields = append(fields, f.Field)
		}
		if len(fields) > 0 {
			s += " " + strings.Join(fields, ",")
		}
		out = append(out, s)
	}
	return out
}

func TestFieldsBeforeAfter(t *testing.T) {
	old := ent("1", "OLD NAME", "CYBER2")
	old.Aliases = []tracker.Alias{{Name: "A1"}, {Name: "A2"}}
	nw := with(old, func(e *tracker.Entity) {
		e.Name = "NEW NAME"
		e.Aliases = []tracker.Alias{{Name: "A2"}, {Name: "A3"}}
	})
	fields := Fields(old, nw)
	if len(fields) != 2 {
		t.Fatalf("fields = %+v, want name and aliases", fields)
	}
	name, aliases := fields[0], fields[1]
	if name.Field != "name" || !slices.Equal(name.Before, []string{"OLD NAME"}) || !slices.Equal(name.After, []string{"NEW NAME"}) {
		t.Errorf("name change = %+v", name)
	}
	if aliases.Field != "aliases" || !slices.Equal(aliases.Added, []string{"A3"}) || !slices.Equal(aliases.Removed, []string{"A1"}) {
		t.Errorf("aliases change = %+v", aliases)
	}
}

func TestFilter(t *testing.T) {
	cyber := Filter{Regimes: []string{"CYBER", "CYBER2", "CYBER3", "CYBER4", "CYB"}}
	plain := ent("1", "PLAIN", "SDGT")
	hacker := ent("2", "HACKER", "CYBER2")
	gains := with(plain, func(e *tracker.Entity) { e.Programs = []string{"SDGT", "CYBER4"} })
	loses := with(hacker, func(e *tracker.Entity) { e.Programs = []string{"RUSSIA-EO14024"} })
	amendedCyber := with(hacker, func(e *tracker.Entity) { e.Remarks = "new remark" })
	amendedPlain := with(plain, func(e *tracker.Entity) { e.Remarks = "new remark" })
	caatsa := ent("27016", "TRAP", "CAATSA - RUSSIA")

	tests := []struct {
		name     string
		filter   Filter
		old, new []*tracker.Entity
		want     []string
	}{
		{"new cyber designation", cyber, nil, []*tracker.Entity{hacker, plain, caatsa}, []string{"added 2"}},
		{"non-cyber delisting ignored", cyber, []*tracker.Entity{plain, hacker}, []*tracker.Entity{hacker}, nil},
		{"cyber delisting", cyber, []*tracker.Entity{plain, hacker}, []*tracker.Entity{plain}, []string{"removed 2"}},
		{"gains cyber programme is a new designation", cyber, []*tracker.Entity{plain}, []*tracker.Entity{gains}, []string{"added 1 programs"}},
		{"loses cyber programme is removed from the regime", cyber, []*tracker.Entity{hacker}, []*tracker.Entity{loses}, []string{"removed 2 programs"}},
		{"cyber amendment kept", cyber, []*tracker.Entity{hacker, plain}, []*tracker.Entity{amendedCyber, amendedPlain}, []string{"amended 2 remarks"}},
		{"case-insensitive regime", Filter{Regimes: []string{"cyber"}}, nil, []*tracker.Entity{ent("3", "X", "Cyber")}, []string{"added 3"}},
		{"all regimes", Filter{All: true}, []*tracker.Entity{plain, hacker}, []*tracker.Entity{hacker, caatsa}, []string{"removed 1", "added 27016"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(tt.filter.Apply(Compare("test", tt.old, tt.new)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// The removed-from-regime change reports the programmes it had under the regime.
	got := cyber.Apply(Compare("test", []*tracker.Entity{hacker}, []*tracker.Entity{loses}))
	if len(got) != 1 || !slices.Equal(got[0].Programs, []string{"CYBER2"}) {
		t.Errorf("removed-from-regime programmes = %+v", got)
	}
}

func TestRemarksCutByThePublisher(t *testing.T) {
	cut := map[string]string{tracker.AttrRemarksCut: "1000"}
	tests := []struct {
		name     string
		old, new tracker.Entity
		remarks  bool // want a remarks change
	}{
		{"cut vs full", tracker.Entity{Remarks: "A; B; alt. Digital Currency Address - XBT 1B6", Attrs: cut},
			tracker.Entity{Remarks: "A; B; alt. Digital Currency Address - XBT 1B64QRxf; C"}, false},
		{"cut at another place", tracker.Entity{Remarks: "A; B; frag", Attrs: cut},
			tracker.Entity{Remarks: "A; B; fragment", Attrs: cut}, false},
		{"cut, and changed before the cut", tracker.Entity{Remarks: "A; B; frag", Attrs: cut},
			tracker.Entity{Remarks: "A; X; fragment", Attrs: cut}, true},
		{"no cut, text changed", tracker.Entity{Remarks: "A; B"}, tracker.Entity{Remarks: "A; B; C"}, true},
		{"a lone fragment vs nothing left", tracker.Entity{Remarks: "alt. Digital Currency Address - XBT 1B6", Attrs: cut}, tracker.Entity{}, false},
		{"cut, and an item added before the cut", tracker.Entity{Remarks: "A; B; frag", Attrs: cut},
			tracker.Entity{Remarks: "A; N; B; fragment"}, true},
	}
	for _, tt := range tests {
		var fields []string
		for _, f := range Fields(&tt.old, &tt.new) {
			fields = append(fields, f.Field)
		}
		if got := slices.Contains(fields, "remarks"); got != tt.remarks {
			t.Errorf("%s: fields %v, want remarks change %v", tt.name, fields, tt.remarks)
		}
		if slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(f, tracker.AttrRemarksCut) }) {
			t.Errorf("%s: the cut marker is reported as a change: %v", tt.name, fields)
		}
	}
}
