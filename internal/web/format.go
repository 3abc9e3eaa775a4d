package web

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/csvsafe"
)

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	writeJSONBody(w, v)
}

func writeJSONBody(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to tell it
}

// writeCSV sends rows as a CSV download, formula-safe (internal/csvsafe):
// list text is data, never code, in this medium too.
func writeCSV(w http.ResponseWriter, file string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`.csv"`)
	cw := csvsafe.NewWriter(w)
	for _, row := range rows {
		_ = cw.Write(row...)
	}
	_ = cw.Flush() // the client went away; nothing to tell it
}

// day formats a time as a date and time in UTC for people; zero is "".
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// snapshotDate is a snapshot's date for people: the list's own, else the
// fetch day.
func snapshotDate(sn tracker.Snapshot) string {
	if sn.PublishedAt != "" {
		return sn.PublishedAt
	}
	return sn.FetchedAt.UTC().Format("2006-01-02")
}

var funcs = template.FuncMap{
	"day":  day,
	"join": strings.Join,
}
