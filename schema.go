package tracker

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

//go:embed schema.sql
var schemaSQL string

// Migrations returns the schema's migrations in order; migration N is at
// index N-1. Sections are ordered by their number, which must run from 1
// without gaps or repeats.
func Migrations() ([]string, error) {
	const marker = "-- migration: "
	type section struct {
		n    int
		body string
	}
	var sections []section
	for _, part := range strings.Split(schemaSQL, "\n"+marker)[1:] {
		num, body, _ := strings.Cut(part, "\n")
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil {
			return nil, fmt.Errorf("schema.sql: bad migration number %q", num)
		}
		sections = append(sections, section{n, body})
	}
	sort.Slice(sections, func(i, j int) bool { return sections[i].n < sections[j].n })
	out := make([]string, len(sections))
	for i, s := range sections {
		if s.n != i+1 {
			return nil, fmt.Errorf("schema.sql: migration %d missing or repeated (found %d)", i+1, s.n)
		}
		out[i] = s.body
	}
	return out, nil
}
