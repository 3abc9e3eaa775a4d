package fetch

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
				if got := isoPartial(y, m, d); got != want {
					t.Errorf("isoPartial(%d, %d, %d) = %q, want %q", y, m, d, got, want)
				}
			}
		}
	}
}
