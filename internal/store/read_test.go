package store

import (
	"context"
	"testing"
)

// TestOthersStored: whether storing a list's snapshot will link it to
// another list — a retracted snapshot of the other list does not count.
func TestOthersStored(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	check := func(when string, list string, want bool) {
		t.Helper()
		got, err := s.OthersStored(ctx, list)
		if err != nil || got != want {
			t.Errorf("%s: OthersStored(%s) = %v, %v; want %v", when, list, got, err, want)
		}
	}
	check("empty database", "ofac-sdn", false)
	save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2"))
	check("only OFAC stored", "ofac-sdn", false)
	check("only OFAC stored", "eu-fsf", true)
	uk := saveList(t, s, "uk-sanctions-list", "2024-01-02", ents("CYB1=ALPHA/Cyber")...)
	check("OFAC and the UK stored", "ofac-sdn", true)
	if _, err := s.Retract(ctx, uk.Snapshot.ID, "test", false); err != nil {
		t.Fatal(err)
	}
	check("the UK's snapshot retracted", "ofac-sdn", false)
}
