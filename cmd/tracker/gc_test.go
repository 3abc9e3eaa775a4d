package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneOneShotGC(t *testing.T) {
	tests := []struct {
		name    string
		process bool // started by main, not by a test calling Run
		command string
		env     map[string]string
		tuned   bool
	}{
		{"import", true, "import", nil, true},
		{"diff", true, "diff", nil, true},
		{"daemon keeps the defaults", true, "run", nil, false},
		{"replay keeps the defaults", true, "replay", nil, false},
		{"Run called in process", false, "import", nil, false},
		{"GOGC given", true, "import", map[string]string{"GOGC": "50"}, false},
		{"GOMEMLIMIT given", true, "import", map[string]string{"GOMEMLIMIT": "1GiB"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
				t.Setenv(k, tc.env[k])
			}
			defer func(old bool) { tuneGC = old }(tuneGC)
			tuneGC = tc.process
			percent := debug.SetGCPercent(100)
			limit := debug.SetMemoryLimit(math.MaxInt64)
			defer func() {
				debug.SetGCPercent(percent)
				debug.SetMemoryLimit(limit)
			}()

			tuneOneShotGC(tc.command)
			gotPercent := debug.SetGCPercent(100)
			gotLimit := debug.SetMemoryLimit(math.MaxInt64)
			if tuned := gotPercent < 0 && gotLimit == oneShotMemoryLimit; tuned != tc.tuned {
				t.Errorf("GOGC %d, memory limit %d: tuned = %v, want %v", gotPercent, gotLimit, tuned, tc.tuned)
			}
			if !tc.tuned && (gotPercent != 100 || gotLimit != math.MaxInt64) {
				t.Errorf("untuned process changed: GOGC %d, memory limit %d", gotPercent, gotLimit)
			}
		})
	}
}
