package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

// mixedAlert has one of each kind of change, with control characters in
// list data.
func mixedAlert() Alert {
	e := cyberEntity(1)
	e.Attrs = map[string]string{"uk_ref": "CYB0064", "statement_of_reasons": "ZSERVERS provided \x1b[2Jbulletproof hosting\u009b31m to LockBit."}
	return Alert{
		List: "uk-sanctions-list", Publisher: "UK (FCDO UK Sanctions List)", SnapshotID: 7, PublishedAt: "2025-04-10",
		Changes: []tracker.Change{
			added(e),
			{Kind: tracker.Amended, List: "uk-sanctions-list", ID: "CYB0011", Name: "Igor Olegovich KOSTYUKOV\x07", Programs: []string{"Cyber"},
				Fields: []tracker.FieldChange{
					{Field: "positions", Before: nil, After: []string{"Head of the GRU"}},
					{Field: "aliases", Before: []string{"A"}, After: []string{"A", "Костюков Игорь Олегович"}, Added: []string{"Костюков Игорь Олегович"}},
				}},
			{Kind: tracker.Removed, List: "uk-sanctions-list", ID: "CYB0009", Name: "Kim\u202eLIAM", Programs: []string{"Cyber"}},
		},
	}
}

func TestStdoutText(t *testing.T) {
	var buf bytes.Buffer
	s, err := NewStdout(&buf, "text")
	if err != nil {
		t.Fatal(err)
	}
	var log progressLog
	if err := s.Deliver(context.Background(), mixedAlert(), Progress{}, log.record); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"== 1 new, 1 amended, 1 removed — UK (FCDO UK Sanctions List) ==\n",
		"list uk-sanctions-list · published 2025-04-10 · snapshot #7\n",
		"\n+ SYNTHETIC CYBER ACTOR 001 Aleksandr Igorevich\n",
		"    Programmes: CYBER2; RUSSIA-EO14024\n",
		"    Reference: CYB0064; id 40001\n",
		"      - Digital Currency Address - XBT bc1qfixturefake001q9x8y7w6v5u4t3s2r1p0nmlkjhgfed\n",
		"      - Passport 700000001 (Russia)\n",
		"    Reasons: ZSERVERS provided \uFFFD[2Jbulletproof hosting\uFFFD31m to LockBit.\n",
		"    Notice: Cyber-related Designations; Russia-related Designations (2024-03-05) https://ofac.treasury.gov/recent-actions/20240305?a=1&b=2\n",
		"Amended:\n~ Igor Olegovich KOSTYUKOV\uFFFD [CYB0011] — positions: (none) → Head of the GRU · aliases: +Костюков Игорь Олегович\n",
		"Removed:\n- Kim\uFFFDLIAM [CYB0009] — removed from Cyber\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"\x1b", "\u009b", "\x07", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("output carries control character %q", bad)
		}
	}
	if len(log.saved) != 1 || log.saved[0].Sent != 1 {
		t.Errorf("progress %+v, want one message", log.saved)
	}
	// Delivered again after success: nothing is written twice.
	buf.Reset()
	if err := s.Deliver(context.Background(), mixedAlert(), log.last(), log.record); err != nil || buf.Len() != 0 {
		t.Errorf("redelivery wrote %d bytes (err %v)", buf.Len(), err)
	}

	buf.Reset()
	if err := s.Deliver(context.Background(), Alert{List: "eu-fsf", Operator: "quarantined snapshot #9:\x1b[2J 60% removed"}, Progress{}, log.record); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "!! tracker eu-fsf: quarantined snapshot #9:\uFFFD[2J 60% removed\n" {
		t.Errorf("operator notice %q", got)
	}
}

func TestStdoutJSON(t *testing.T) {
	var buf bytes.Buffer
	s, err := NewStdout(&buf, "json")
	if err != nil {
		t.Fatal(err)
	}
	a := mixedAlert()
	if err := s.Deliver(context.Background(), a, Progress{}, (&progressLog{}).record); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x1b", "\u009b", "\x07", "\u202e"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("raw JSON carries control character %q", bad)
		}
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	var lines []jsonChange
	for sc.Scan() {
		var c jsonChange
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v: %s", len(lines)+1, err, sc.Bytes())
		}
		lines = append(lines, c)
	}
	if len(lines) != len(a.Changes) {
		t.Fatalf("%d lines for %d changes", len(lines), len(a.Changes))
	}
	for i, c := range a.Changes {
		got := lines[i]
		// JSON is for machines: values come back whole, control
		// characters included (escaped on the wire).
		if got.List != "uk-sanctions-list" || got.Snapshot != 7 || got.Kind != c.Kind || got.ID != c.ID || got.Name != c.Name ||
			!reflect.DeepEqual(got.Programs, c.Programs) || !reflect.DeepEqual(got.Fields, c.Fields) {
			t.Errorf("line %d = %+v, want change %+v", i+1, got, c)
		}
	}
	if lines[0].Entity == nil || lines[0].Entity.Attrs["statement_of_reasons"] != a.Changes[0].Entity.Attrs["statement_of_reasons"] {
		t.Errorf("added line lacks its entity")
	}
}

func TestStdoutErrors(t *testing.T) {
	if _, err := NewStdout(&bytes.Buffer{}, "yaml"); err == nil {
		t.Error("format yaml accepted")
	}
	s, _ := NewStdout(failWriter{}, "text")
	var log progressLog
	err := s.Deliver(context.Background(), mixedAlert(), Progress{}, log.record)
	if !IsRetryable(err) || !strings.Contains(err.Error(), "disk full") || len(log.saved) != 0 {
		t.Errorf("write failure: %v, progress %+v", err, log.saved)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
