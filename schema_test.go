package tracker

import (
	"strings"
	"testing"
)

func TestMigrationsNumbered(t *testing.T) {
	m, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(m) == 0 || !strings.Contains(m[0], "CREATE TABLE snapshots") {
		t.Fatalf("migration 1 does not create snapshots: %d migrations", len(m))
	}
}

// TestSchemaTablesSayWhy holds schema.sql to its rule that every table's
// comment starts with why the table exists, so that a table added later
// cannot go without one.
func TestSchemaTablesSayWhy(t *testing.T) {
	lines := strings.Split(schemaSQL, "\n")
	tables := 0
	for i, line := range lines {
		if !strings.HasPrefix(line, "CREATE TABLE ") {
			continue
		}
		tables++
		first := i
		for first > 0 && strings.HasPrefix(lines[first-1], "--") {
			first--
		}
		if first == i || !strings.HasPrefix(lines[first], "-- Why: ") {
			t.Errorf("schema.sql line %d: %s has no comment starting with \"-- Why: \"", i+1, strings.TrimSuffix(line, " ("))
		}
	}
	if tables == 0 {
		t.Fatal("schema.sql: no CREATE TABLE found")
	}
}
