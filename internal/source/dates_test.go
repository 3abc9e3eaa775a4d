package source

import (
	"fmt"
	"testing"
)

// TestISOPartial holds the hand-written formatting to the fmt verbs it
// replaced, over every month and day and the edges of the year.
func TestISOPartial(t *testing.T) {
	for _, y := range []int{-1, 0, 1, 999, 1000, 1975, 2024, 9999, 10000, 123456} {
		for m := 0; m <= 13; m++ {
			for _, d := range []int{0, 1, 9, 10, 29, 31, 32} {
				var want string
				switch {
				case m == 0:
					want = fmt.Sprintf("%04d", y)
				case d == 0:
					want = fmt.Sprintf("%04d-%02d", y, m)
				default:
					want = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				}
				if got := ISOPartial(y, m, d); got != want {
					t.Errorf("ISOPartial(%d, %d, %d) = %q, want %q", y, m, d, got, want)
				}
			}
		}
	}
}

func TestPublicationDate(t *testing.T) {
	tests := []struct {
		in    string
		forms []DateForm
		want  string // "" : an error
	}{
		{"08-Oct-2026", []DateForm{FormDayMonAbbrevYear}, "2026-10-08"},
		{"30-Sep-2026", []DateForm{FormDayMonAbbrevYear}, "2026-09-30"},
		{" 8-oct-2026 ", []DateForm{FormDayMonAbbrevYear}, "2026-10-08"},
		{"08 Oct 2026", []DateForm{FormDayMonAbbrevYear}, "2026-10-08"},
		{"08-Okt-2026", []DateForm{FormDayMonAbbrevYear}, ""},
		{"31-Feb-2026", []DateForm{FormDayMonAbbrevYear}, ""},
		{"05/06/2023", []DateForm{FormDayMonthYear}, "2023-06-05"},
		{"05/06/2023", []DateForm{FormMonthDayYear}, "2023-05-06"},
		{"13/06/2023", []DateForm{FormMonthDayYear}, ""},
		{"00/00/2023", []DateForm{FormDayMonthYear}, ""},
		{"2020-04-15T15:29:22.497+02:00", []DateForm{FormISO}, "2020-04-15"},
		{"2020-04-15T23:29:22", []DateForm{FormISO}, "2020-04-15"},
		{"2020-04-15", []DateForm{FormISO}, "2020-04-15"},
		{"2020-04-15", []DateForm{FormDayMonthYear}, ""},
		{"10-Apr-2025", []DateForm{FormISO, FormDayMonthYear, FormDayMonAbbrevYear}, "2025-04-10"},
		{"", []DateForm{FormISO}, ""},
		{"0001-01-01", []DateForm{FormISO}, ""},
	}
	for _, tt := range tests {
		got, err := PublicationDate(tt.in, tt.forms...)
		if tt.want == "" {
			if err == nil {
				t.Errorf("PublicationDate(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("PublicationDate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
