package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// NewLogger makes the tracker's logger: format "text" (the default) or
// "json", level "debug", "info" (the default), "warn" or "error". Keys are
// stable across releases (list, snapshot, entity, change, delivery) so that
// log queries keep working; values never include a secret.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if level != "" {
		if err := lv.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
		}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
}
