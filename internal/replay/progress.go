package replay

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Status is where a replay stands.
type Status struct {
	Done   int    // versions read so far
	Date   string // the date of the last version read
	Stored int    // snapshots stored so far
}

// Progress renders a replay's progress: on a terminal, one line redrawn in
// place with a bar; elsewhere (a log, a pipe), a plain line about every
// tenth of the way and at least every PlainEvery, so that a long replay
// shows it is alive without a line per version.
type Progress struct {
	w     io.Writer
	tty   bool
	total int
	// Now is the clock; tests replace it.
	Now func() time.Time
	// PlainEvery is the longest time between two plain lines.
	PlainEvery time.Duration

	start     time.Time
	base      int // versions done before Start, which the ETA leaves out
	lastDraw  time.Time
	lastLine  int // versions done at the last plain line
	lastWidth int // runes of the line on the terminal
}

// redrawEvery caps how often the terminal line is redrawn.
const redrawEvery = 100 * time.Millisecond

// NewProgress renders the progress of a replay of total versions to w; tty
// says whether w is a terminal (see IsTerminal).
func NewProgress(w io.Writer, tty bool, total int) *Progress {
	return &Progress{w: w, tty: tty, total: total, Now: time.Now, PlainEvery: 30 * time.Second}
}

// IsTerminal reports whether w writes to a terminal, looking through
// writers that wrap another (the CLI's output cleaner). A character device
// is not enough: /dev/null is one, and a progress bar redrawn into it, or
// into a log, is noise.
func IsTerminal(w io.Writer) bool {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Start starts the clock with done versions already done (a resumed
// replay), which the ETA does not count as work of this run.
func (p *Progress) Start(done int) {
	p.start = p.Now()
	p.lastDraw, p.base, p.lastLine = p.start, done, done
}

// Update shows s.
func (p *Progress) Update(s Status) {
	now := p.Now()
	last := s.Done >= p.total
	if p.tty {
		if !last && now.Sub(p.lastDraw) < redrawEvery {
			return
		}
		p.lastDraw = now
		line := p.barLine(s, now)
		pad := p.lastWidth - len([]rune(line))
		p.lastWidth = len([]rune(line))
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", max(pad, 0)))
		return
	}
	step := max(1, (p.total+9)/10)
	if !last && s.Done-p.lastLine < step && now.Sub(p.lastDraw) < p.PlainEvery {
		return
	}
	p.lastDraw, p.lastLine = now, s.Done
	fmt.Fprintf(p.w, "replay: %s\n", p.text(s, now))
}

// Finish clears the terminal line, so that what follows starts on a clean
// one.
func (p *Progress) Finish() {
	if p.tty && p.lastWidth > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastWidth))
		p.lastWidth = 0
	}
}

const barWidth = 24

func (p *Progress) barLine(s Status, now time.Time) string {
	filled := 0
	if p.total > 0 {
		filled = barWidth * s.Done / p.total
	}
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	return "[" + bar + "] " + p.text(s, now)
}

// text is "31/308 10% 2021-10-12, 30 snapshots stored, 5s elapsed, ETA 45s".
func (p *Progress) text(s Status, now time.Time) string {
	pct := 100
	if p.total > 0 {
		pct = 100 * s.Done / p.total
	}
	elapsed := now.Sub(p.start)
	t := fmt.Sprintf("%d/%d %3d%% %s, %s stored, %s elapsed", s.Done, p.total, pct, s.Date,
		countNoun(s.Stored, "snapshot"), FormatDuration(elapsed))
	if n := s.Done - p.base; n > 0 && s.Done < p.total {
		eta := time.Duration(float64(elapsed) / float64(n) * float64(p.total-s.Done))
		t += ", ETA " + FormatDuration(eta)
	}
	return t
}

// FormatDuration renders a duration for people: "850ms", "42s", "3m07s".
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
