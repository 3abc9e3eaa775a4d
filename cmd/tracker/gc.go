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
// in its environment. So does 'replay': it drops each version's parse
// once stored, so the proportional collector frees most of what it marks,
// and below the limit it would sit at 96 MiB for the whole history (308
// OFAC versions: 127 MB resident with the one-shot setting, 98 MB with
// the defaults, the same CPU time within the noise). And so does
// 'screen': a 100k-row counterparty file's index alone outgrows the limit,
// at which the collector would run without pause.
func tuneOneShotGC(command string) {
	if !tuneGC || command == "run" || command == "replay" || command == "screen" || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(oneShotMemoryLimit)
	oneShotTuned = true
}

// oneShotTuned says tuneOneShotGC took over the collector.
var oneShotTuned bool

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

// oneShotFloor is the least memory limit fitMemoryToInput sets.
const oneShotFloor = 40 << 20
