package source

import "testing"

func TestJoin(t *testing.T) {
	for name, tc := range map[string]struct {
		parts            []string
		trimmed, cleaned string
	}{
		"none":              {nil, "", ""},
		"all blank":         {[]string{"", " ", "\t"}, "", ""},
		"one of several":    {[]string{" ", " Moscow ", ""}, "Moscow", "Moscow"},
		"inner space kept":  {[]string{" 1  Main St ", "", "Apt\t2"}, "1  Main St, Apt\t2", "1 Main St, Apt 2"},
		"only inner spaces": {[]string{"a  b"}, "a  b", "a b"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := JoinTrimmed(", ", tc.parts...); got != tc.trimmed {
				t.Errorf("JoinTrimmed = %q, want %q", got, tc.trimmed)
			}
			if got := JoinCleaned(", ", tc.parts...); got != tc.cleaned {
				t.Errorf("JoinCleaned = %q, want %q", got, tc.cleaned)
			}
		})
	}
}
