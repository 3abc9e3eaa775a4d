package daemon

import (
	"context"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// sdNotify sends a notification to systemd through $NOTIFY_SOCKET; outside
// systemd it does nothing.
func sdNotify(state string) error {
	_, err := sd.SdNotify(false, state)
	return err
}

func (d *Daemon) notify(state string) {
	if err := d.SdNotify(state); err != nil {
		d.Log.Warn("systemd notification failed", "state", state, "err", err)
	}
}

// watchdogInterval is systemd's watchdog timeout, 0 when there is none.
func (d *Daemon) watchdogInterval() time.Duration {
	if d.WatchdogInterval > 0 {
		return d.WatchdogInterval
	}
	iv, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		d.Log.Warn("ignoring systemd's watchdog setting", "err", err)
		return 0
	}
	return iv
}

// watchdog pings systemd at half its timeout until ctx is done. It stops
// pinging while a check is stuck far beyond what its timeouts allow, so
// that systemd restarts a tracker that hangs instead of one that merely
// works slowly.
func (d *Daemon) watchdog(ctx context.Context) {
	iv := d.watchdogInterval()
	if iv <= 0 {
		return
	}
	d.Log.Debug("systemd watchdog enabled", "interval", iv.String())
	tick := time.NewTicker(iv / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if list, since := d.stuck(); list != "" {
			d.Log.Error("check stuck: withholding the watchdog ping so that systemd restarts the tracker",
				"list", list, "running_since", since.Format(time.RFC3339))
			continue
		}
		d.notify("WATCHDOG=1")
	}
}

// stuck returns a list whose in-flight check has run far longer than its
// downloads' timeouts allow.
func (d *Daemon) stuck() (string, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.Now()
	for _, l := range d.Lists {
		start, ok := d.running[l.List.Name]
		if ok && now.Sub(start) > maxCheckDuration(l) {
			return l.List.Name, start
		}
	}
	return "", time.Time{}
}

// maxCheckDuration bounds one check: every file's every attempt timing
// out, plus generous time for parsing and storing.
func maxCheckDuration(l ListSpec) time.Duration {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	files := max(len(l.URLs), len(l.List.URLs), 1)
	return time.Duration(files*(l.Retries+1))*timeout*2 + 15*time.Minute
}
