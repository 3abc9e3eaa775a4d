package web

import (
	"encoding/csv"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
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

// writeCSV sends rows as a CSV download. A cell a spreadsheet would run as
// a formula (=, +, -, @, tab, CR first) is prefixed with a quote: list
// text is data, never code, in this medium too.
func writeCSV(w http.ResponseWriter, file string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`.csv"`)
	cw := csv.NewWriter(w)
	for _, row := range rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = csvCell(c)
		}
		_ = cw.Write(out)
	}
	cw.Flush()
}

func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
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
