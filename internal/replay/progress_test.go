package replay_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/replay"
	"github.com/cybersanctions/tracker/internal/termtext"
)

// clock advances by step on every reading.
type clock struct {
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

// run replays total versions of which every third stores a snapshot, with
// each version taking step.
func runProgress(tty bool, total int, step time.Duration) string {
	var out bytes.Buffer
	p := replay.NewProgress(&out, tty, total)
	c := &clock{t: time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC), step: step}
	p.Now = c.now
	p.Start(0)
	day := time.Date(2021, 8, 18, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= total; i++ {
		p.Update(replay.Status{Done: i, Date: day.AddDate(0, 0, i).Format("2006-01-02"), Stored: (i + 2) / 3})
	}
	p.Finish()
	return out.String()
}

func TestProgressPlain(t *testing.T) {
	tests := []struct {
		name  string
		total int
		step  time.Duration
		lines int // expected: every ceil(total/10) versions, the last, and one per 30 s besides
	}{
		{"308 fast versions: about one line per tenth", 308, 10 * time.Millisecond, len(seq(31, 308, 31)) + 1},
		{"5 versions: one line each", 5, time.Millisecond, 5},
		{"20 slow versions: a line at least every 30s", 20, 40 * time.Second, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := runProgress(false, tc.total, tc.step)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != tc.lines {
				t.Errorf("%d lines, want %d:\n%s", len(lines), tc.lines, out)
			}
			if strings.Contains(out, "\r") {
				t.Errorf("carriage returns in plain output: %q", out)
			}
			last := lines[len(lines)-1]
			want := fmt.Sprintf("replay: %d/%d 100%% ", tc.total, tc.total)
			if !strings.HasPrefix(last, want) || !strings.Contains(last, fmt.Sprintf("%d snapshots stored", (tc.total+2)/3)) || strings.Contains(last, "ETA") {
				t.Errorf("last line %q, want %q…, the snapshots stored and no ETA", last, want)
			}
			for _, l := range lines[:len(lines)-1] {
				if !strings.Contains(l, "elapsed, ETA ") {
					t.Errorf("line %q has no elapsed time and ETA", l)
				}
			}
		})
	}
}

func seq(from, to, step int) []int {
	var out []int
	for i := from; i < to; i += step {
		out = append(out, i)
	}
	return out
}

func TestProgressETA(t *testing.T) {
	// 10 versions at 2s each: after 5, 10s elapsed and 10s to go.
	var out bytes.Buffer
	p := replay.NewProgress(&out, false, 10)
	c := &clock{t: time.Unix(0, 0), step: time.Second}
	p.Now = c.now
	p.Start(0)
	for i := 1; i <= 5; i++ {
		c.now() // the version's work
		p.Update(replay.Status{Done: i, Date: "2021-08-18", Stored: i})
	}
	if got := strings.Split(out.String(), "\n")[4]; got != "replay: 5/10  50% 2021-08-18, 5 snapshots stored, 10s elapsed, ETA 10s" {
		t.Errorf("line %q", got)
	}

	// Resumed with 6 of 10 done: two versions in 4s leave 2 to go in 4s.
	out.Reset()
	p = replay.NewProgress(&out, false, 10)
	p.Now = c.now
	p.Start(6)
	for i := 7; i <= 8; i++ {
		c.now()
		p.Update(replay.Status{Done: i, Date: "2021-08-18", Stored: i})
	}
	if got := strings.Split(out.String(), "\n")[1]; got != "replay: 8/10  80% 2021-08-18, 8 snapshots stored, 4s elapsed, ETA 4s" {
		t.Errorf("resumed: line %q", got)
	}
}

func TestProgressTerminal(t *testing.T) {
	out := runProgress(true, 308, 10*time.Millisecond)
	if strings.Contains(out, "\n") {
		t.Errorf("the terminal line was not redrawn in place: %q", out)
	}
	// "\r" line … "\r" line, then Finish's "\r" blanks "\r".
	draws := strings.Split(out, "\r")[1:]
	if len(draws) < 3 || draws[len(draws)-1] != "" {
		t.Fatalf("Finish did not end on the line's start: %q", out)
	}
	clear := draws[len(draws)-2]
	draws = draws[:len(draws)-2]
	// A redraw at most every 100ms: 308 versions over 3.08s, plus the last.
	if n := len(draws); n < 20 || n > 32 {
		t.Errorf("%d redraws, want one about every 100ms", n)
	}
	final := draws[len(draws)-1]
	if !strings.HasPrefix(final, "[========================] 308/308 100% 2022-06-22, 103 snapshots stored, ") {
		t.Errorf("final line %q", final)
	}
	if strings.TrimSpace(clear) != "" || len(clear) < len(strings.TrimRight(final, " ")) {
		t.Errorf("Finish did not blank the line: %q", clear)
	}
	for _, d := range draws {
		if len(d) > 100 {
			t.Errorf("line of %d characters, too wide for a terminal: %q", len(d), d)
		}
	}
	mid := draws[len(draws)/2]
	if !strings.Contains(mid, "=>") || !strings.Contains(mid, "ETA") {
		t.Errorf("a line half-way has no bar or ETA: %q", mid)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tty, ttyErr := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"a buffer", &bytes.Buffer{}, false},
		{"a regular file", f, false},
		{"/dev/null", mustOpen(t, os.DevNull), false}, // a character device, but no terminal
		{"the CLI's cleaner around a buffer", termtext.NewWriter(&bytes.Buffer{}), false},
	}
	if ttyErr == nil {
		defer tty.Close()
		tests = append(tests, struct {
			name string
			w    io.Writer
			want bool
		}{"/dev/tty", tty, true}, struct {
			name string
			w    io.Writer
			want bool
		}{"the CLI's cleaner around /dev/tty", termtext.NewWriter(tty), true})
	}
	for _, tc := range tests {
		if got := replay.IsTerminal(tc.w); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{850 * time.Millisecond, "850ms"},
		{42*time.Second + 340*time.Millisecond, "42.3s"},
		{3*time.Minute + 7*time.Second + 600*time.Millisecond, "3m08s"},
		{75 * time.Minute, "75m00s"},
	}
	for _, tc := range tests {
		if got := replay.FormatDuration(tc.d); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.d, got, tc.want)
		}
	}
}
