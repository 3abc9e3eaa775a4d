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
			defer func(old, tuned bool) { tuneGC, oneShotTuned = old, tuned }(tuneGC, oneShotTuned)
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

func TestFitMemoryToInput(t *testing.T) {
	defer func(old bool) { oneShotTuned = old }(oneShotTuned)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(limit)
	for _, tc := range []struct {
		name  string
		tuned bool
		input int64
		want  int64
	}{
		{"OFAC sdn.csv", true, 4 << 20, oneShotFloor},
		{"a 10 MB file", true, 10 << 20, 60 << 20},
		{"OFSI ConList, 15 MB", true, 15 << 20, 90 << 20},
		{"EU full file", true, 25 << 20, oneShotMemoryLimit},
		{"not a one-shot process", false, 4 << 20, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oneShotTuned = tc.tuned
			debug.SetMemoryLimit(math.MaxInt64)
			fitMemoryToInput(tc.input)
			if got := debug.SetMemoryLimit(math.MaxInt64); got != tc.want {
				t.Errorf("memory limit %d, want %d", got, tc.want)
			}
		})
	}
}
