package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits: SI units are powers of 1000 and IEC units powers of 1024, as
// their names say; units are matched case-insensitively because "512mb"
// has only one sensible reading.
var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	// Longest first, so "MiB" is not read as "B" after a number "512Mi".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"b", 1},
}

// ParseSize reads a byte count: a plain integer ("536870912") or a number
// with a unit ("200MB", "512MiB", "1.5 GiB"). The result must be positive.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	num, mult := t, 1.0
	lower := strings.ToLower(t)
	for _, u := range sizeUnits {
		if strings.HasSuffix(lower, u.suffix) {
			num, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	if num == "" {
		return 0, fmt.Errorf("invalid size %q (want e.g. 200MB, 512MiB or a number of bytes)", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && mult == 1 {
		if n <= 0 {
			return 0, fmt.Errorf("invalid size %q: must be positive", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid size %q (want e.g. 200MB, 512MiB or a number of bytes)", s)
	}
	v := f * mult
	if v < 1 {
		return 0, fmt.Errorf("invalid size %q: must be at least one byte", s)
	}
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(v), nil
}
