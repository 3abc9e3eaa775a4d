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
