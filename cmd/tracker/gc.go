package main

import (
	"os"
	"runtime/debug"
)

// tuneGC is set by main, so that Run, which tests call in process, tunes
// the collector of a real tracker process only.
var tuneGC bool

// oneShotMemoryLimit is the memory a one-shot command grows to before its
// first collection: an OFAC import (about 40 MB) never reaches it; the
// EU's full file (25 MB, about 60 MB kept live while it is stored) is
// collected as it nears it, in less memory than the default collector
// takes (113 MB resident instead of 129-141).
const oneShotMemoryLimit = 96 << 20

// tuneOneShotGC turns off the proportional collector for commands that run
// once and exit (import, fetch, diff, ...) and lets the memory limit
// trigger collections instead. Such a command keeps what it parsed until
// it exits, so each collection the default GOGC=100 runs as the heap grows
// re-marks live data and frees little: on an OFAC import its three
// collections cost a fifth of the run time (docs/performance.md). Below
// the limit nothing is collected; at it, the runtime collects as often as
// needed, so a much larger input costs time rather than memory. The daemon
// ('run') keeps the defaults, as does a process given GOGC or GOMEMLIMIT
// in its environment. 'replay' keeps the proportional collector: it drops
// each version's parse once stored, so a collection frees most of what it
// marks, and with the collector off it would sit at its limit for the
// whole history (308 OFAC versions: 127 MB resident); it gets a memory
// limit sized to its versions instead (fitReplayMemory). So does
// 'screen': a 100k-row counterparty file's index alone outgrows the
// one-shot limit, at which the collector would run without pause.
func tuneOneShotGC(command string) {
	if !tuneGC || command == "run" || command == "screen" || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if command == "replay" {
		replayTuned = true
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(oneShotMemoryLimit)
	oneShotTuned = true
}

// oneShotTuned says tuneOneShotGC took over the collector; replayTuned
// that replay may set its memory limit.
var oneShotTuned, replayTuned bool

// fitReplayMemory caps a replay's memory by the largest version it has
// read so far: replayMemoryPerByte times the version, at least
// replayMemoryFloor. A replay keeps live the bundle reader's cache, a
// version's raw file with the previous one (the base of its delta), and
// one version's parse and store: on the OFAC history (2.0 MB versions at
// first, 3.9 MB at the end) 13-24 MB after a collection at first, up to
// 34 MB at the end. Below the limit the proportional collector runs as
// usual, at twice the live heap; the limit stops the heap going higher
// when the live heap peaks, which took the replay to 110-140 MB resident.
// The limit trades wall time for memory, since the collector and the
// scavenger then work on the replay's path: measured over the 308 OFAC
// versions (docs/performance.md), no limit 10.9-11.9 s and 110 MB, 64 MiB
// 11.9 s and 89 MB, 56 MiB 13.6 s and 85 MB, 48 MiB 14.6-18 s and
// 75-77 MB; 36 MiB collects nearly without pause. 64 MiB keeps the replay
// near its time target.
func fitReplayMemory(versionBytes int64) {
	if !replayTuned {
		return
	}
	debug.SetMemoryLimit(max(replayMemoryFloor, replayMemoryPerByte*versionBytes))
}

const (
	replayMemoryFloor   = 64 << 20
	replayMemoryPerByte = 16
)

// fitMemoryToInput lowers a one-shot command's memory limit to what its
// input needs, once the input's size is known: six times the published
// files, at least oneShotFloor, at most oneShotMemoryLimit. An OFAC
// sdn.csv (4 MB) then runs below 40 MiB of heap (about 58-60 MB resident)
// instead of growing to 96 MiB uncollected: what the parse, the raw
// file's compression and the store leave behind is collected once or
// twice, which costs no measurable time (docs/performance.md). Larger
// inputs keep about the limit they had: at four times its size, OFSI's
// 15 MB ConList took 1.5 times as long to import.
func fitMemoryToInput(inputBytes int64) {
	if !oneShotTuned {
		return
	}
	debug.SetMemoryLimit(min(max(oneShotFloor, 6*inputBytes), oneShotMemoryLimit))
}

// fitMemoryForLinking gives a one-shot import that will link its snapshot
// to other stored lists back the whole one-shot limit: linking a list's
// first snapshot keeps ~25 MB more live (its entities prepared, the other
// lists' facts), and at the input's limit the collector ran every few MB
// (27 collections, ~0.15 s of CPU, in one first OFAC import with OFSI's
// list stored).
func fitMemoryForLinking() {
	if !oneShotTuned {
		return
	}
	debug.SetMemoryLimit(oneShotMemoryLimit)
}

// oneShotFloor is the least memory limit fitMemoryToInput sets.
const oneShotFloor = 40 << 20
