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
		replay  bool // left to fitReplayMemory
	}{
		{"import", true, "import", nil, true, false},
		{"diff", true, "diff", nil, true, false},
		{"daemon keeps the defaults", true, "run", nil, false, false},
		{"replay keeps the proportional collector", true, "replay", nil, false, true},
		{"replay in process", false, "replay", nil, false, false},
		{"replay with GOMEMLIMIT given", true, "replay", map[string]string{"GOMEMLIMIT": "1GiB"}, false, false},
		{"Run called in process", false, "import", nil, false, false},
		{"GOGC given", true, "import", map[string]string{"GOGC": "50"}, false, false},
		{"GOMEMLIMIT given", true, "import", map[string]string{"GOMEMLIMIT": "1GiB"}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
				t.Setenv(k, tc.env[k])
			}
			defer func(old, tuned, replay bool) { tuneGC, oneShotTuned, replayTuned = old, tuned, replay }(tuneGC, oneShotTuned, replayTuned)
			tuneGC, oneShotTuned, replayTuned = tc.process, false, false
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
			if replayTuned != tc.replay {
				t.Errorf("replayTuned = %v, want %v", replayTuned, tc.replay)
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

func TestFitReplayMemory(t *testing.T) {
	defer func(old bool) { replayTuned = old }(replayTuned)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(limit)
	for _, tc := range []struct {
		name    string
		tuned   bool
		version int64
		want    int64
	}{
		{"first OFAC version, 2.0 MB", true, 2_036_213, replayMemoryFloor},
		{"last OFAC version, 3.9 MB", true, 3_909_739, replayMemoryFloor},
		{"a 5 MB version", true, 5_000_000, 80_000_000},
		{"EU full file, 25 MB", true, 25 << 20, 400 << 20},
		{"GOMEMLIMIT given or Run in process", false, 4_300_000, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			replayTuned = tc.tuned
			debug.SetMemoryLimit(math.MaxInt64)
			fitReplayMemory(tc.version)
			if got := debug.SetMemoryLimit(math.MaxInt64); got != tc.want {
				t.Errorf("memory limit %d, want %d", got, tc.want)
			}
		})
	}
}

// TestFitMemoryForLinking: an import that will link its snapshot to other
// lists gets the whole one-shot limit back after fitMemoryToInput lowered
// it; a process whose collector was left alone is left alone.
func TestFitMemoryForLinking(t *testing.T) {
	defer func(old bool) { oneShotTuned = old }(oneShotTuned)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(limit)
	for _, tc := range []struct {
		tuned bool
		want  int64
	}{{true, oneShotMemoryLimit}, {false, math.MaxInt64}} {
		oneShotTuned = tc.tuned
		debug.SetMemoryLimit(math.MaxInt64)
		fitMemoryToInput(4 << 20)
		fitMemoryForLinking()
		if got := debug.SetMemoryLimit(math.MaxInt64); got != tc.want {
			t.Errorf("tuned %v: memory limit %d, want %d", tc.tuned, got, tc.want)
		}
	}
}
