package daemon

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ParseSchedule reads a schedule the way cron.ParseStandard does: five
// fields ("15 * * * *"), optionally prefixed with "CRON_TZ=Europe/London ",
// or a descriptor ("@hourly", "@every 1h").
func ParseSchedule(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("no schedule")
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	// cron silently rounds "@every 10ms" up to a second.
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && every < time.Second {
			return nil, fmt.Errorf("schedule %q: shorter than a second", spec)
		}
	}
	return s, nil
}

// Interval is the time between a schedule's activations after now: the
// longest of the next few gaps, so that "0 9 * * 1-5" counts the weekend.
func Interval(s cron.Schedule, now time.Time) time.Duration {
	var longest time.Duration
	t := s.Next(now)
	for range 8 {
		next := s.Next(t)
		if next.IsZero() {
			break
		}
		longest = max(longest, next.Sub(t))
		t = next
	}
	return longest
}
