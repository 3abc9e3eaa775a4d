package notify

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/cybersanctions/tracker"
)

func benchAlert() Alert {
	a := addedAlert(70)
	for i := range 20 {
		a.Changes = append(a.Changes, tracker.Change{Kind: tracker.Amended, ID: strconv.Itoa(90000 + i), Name: "AMENDED ENTITY " + strconv.Itoa(i),
			Fields: []tracker.FieldChange{{Field: "aliases", Before: []string{"A"}, After: []string{"A", "B"}, Added: []string{"B"}}, {Field: "designated", Before: []string{"2020-01-01"}, After: []string{"2021-02-03"}}}})
	}
	for i := range 10 {
		a.Changes = append(a.Changes, tracker.Change{Kind: tracker.Removed, ID: strconv.Itoa(80000 + i), Name: "REMOVED ENTITY " + strconv.Itoa(i), Programs: []string{"CYBER2"}})
	}
	return a
}

// BenchmarkRenderSlack100 renders 100 changes (70 new designations with
// wallets and aliases, 20 amendments, 10 removals) into Slack messages.
func BenchmarkRenderSlack100(b *testing.B) {
	a := benchAlert()
	b.ReportAllocs()
	for b.Loop() {
		if len(renderSlack(a, true)) == 0 {
			b.Fatal("no messages")
		}
	}
}

// BenchmarkRenderSlack100Payload adds the JSON encoding slack-go does
// before posting: the whole cost of turning 100 changes into requests.
func BenchmarkRenderSlack100Payload(b *testing.B) {
	a := benchAlert()
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range renderSlack(a, true) {
			if _, err := json.Marshal(m.Blocks); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkStdoutText100(b *testing.B) {
	a := benchAlert()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		writeText(&buf, a)
	}
}
