package screen

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseYAML reads a YAML counterparty file: a list of mappings whose keys
// are the CSV columns; a multi-valued key (identifiers, wallets, aliases)
// may be a list. Any other key is kept as an extra field. A row that is
// not a mapping, or holds a value that is neither a scalar nor a list of
// scalars, is one problem and the others are still read.
func parseYAML(data []byte, name string, out *File) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("counterparty file %s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file: no parties
	}
	top := doc.Content[0]
	if top.Kind != yaml.SequenceNode {
		return fmt.Errorf("counterparty file %s:%d:%d: want a list of counterparties (columns: %s)",
			name, top.Line, top.Column, strings.Join(Columns, ", "))
	}
	refs := map[string]int{}
	for _, item := range top.Content {
		r, rowErr := yamlRow(item, name)
		if rowErr != nil {
			out.Problems = append(out.Problems, rowErr)
			continue
		}
		out.add(r, name, refs)
	}
	return nil
}

// yamlRow is one list item as a row, each field with its own position.
func yamlRow(item *yaml.Node, name string) (row, *RowError) {
	bad := func(n *yaml.Node, format string, args ...any) *RowError {
		return &RowError{File: name, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
	if item.Kind != yaml.MappingNode {
		return row{}, bad(item, "want a mapping of %s", strings.Join(Columns, ", "))
	}
	r := row{line: item.Line, col: item.Column, fields: map[string]field{}}
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		f := field{line: v.Line, col: v.Column}
		switch v.Kind {
		case yaml.ScalarNode:
			f.values = []string{v.Value}
		case yaml.SequenceNode:
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					return row{}, bad(e, "%s: want a text or a list of texts", k.Value)
				}
				f.values = append(f.values, e.Value)
			}
		default:
			return row{}, bad(v, "%s: want a text or a list of texts", k.Value)
		}
		key := strings.ToLower(strings.TrimSpace(k.Value))
		if !known[key] {
			if val := f.value(); val != "" {
				r.extra = append(r.extra, Field{Name: k.Value, Value: val})
			}
			continue
		}
		if _, dup := r.fields[key]; dup {
			return row{}, bad(k, "%s given twice", k.Value)
		}
		r.fields[key] = f
	}
	if _, ok := r.fields["ref"]; !ok {
		return row{}, bad(item, "no ref")
	}
	if _, ok := r.fields["name"]; !ok {
		return row{}, bad(item, "no name")
	}
	return r, nil
}
