package tracker

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed schema.sql
var schemaSQL string

// Migrations returns the schema's migrations in order; migration N is at
// index N-1.
func Migrations() ([]string, error) {
	const marker = "-- migration: "
	var out []string
	for _, part := range strings.Split(schemaSQL, "\n"+marker)[1:] {
		num, body, _ := strings.Cut(part, "\n")
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n != len(out)+1 {
			return nil, fmt.Errorf("schema.sql: migration %q out of order, want %d", num, len(out)+1)
		}
		out = append(out, body)
	}
	return out, nil
}
