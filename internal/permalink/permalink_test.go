package permalink

import "testing"

func TestPaths(t *testing.T) {
	for got, want := range map[string]string{
		Designation("ofac-sdn", "47814"):                 "/lists/ofac-sdn/designations/47814",
		Designation("eu-fsf", "EU.27.28"):                "/lists/eu-fsf/designations/EU.27.28",
		Designation("x", "a/b c?"):                       "/lists/x/designations/a%2Fb%20c%3F",
		Diff("ofac-sdn", 41, 42):                         "/lists/ofac-sdn/diff/41/42",
		SnapshotDiff("ofac-sdn", 42):                     "/lists/ofac-sdn/snapshots/42/diff",
		Raw("ofac-sdn", 42, 0, "sdn.csv"):                "/lists/ofac-sdn/snapshots/42/raw/0/sdn.csv",
		Under("https://t.example/", Snapshots("uk-x")):   "https://t.example/lists/uk-x/snapshots",
		Under("https://t.example/base", Diff("l", 1, 2)): "https://t.example/base/lists/l/diff/1/2",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
