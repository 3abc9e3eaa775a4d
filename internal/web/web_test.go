package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestOverview(t *testing.T) {
	f := newFixture(t, Options{})
	res, body := f.get(t, "/")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	mustContain(t, body, "ofac-sdn", "US OFAC (SDN List)", `status-ok`, `status-failing`, "failing since 2023-09-08 12:00 UTC (2 checks)",
		"503 Service Unavailable", "#3 · 2023-09-08", `href="/lists/ofac-sdn/diff/2/3"`, `href="/lists/ofac-sdn/snapshots"`)

	var d overviewData
	res, body = f.get(t, "/?format=json")
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("json content type %q", ct)
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Lists) != 2 || d.Lists[0].List != "ofac-sdn" || d.Lists[0].Status != "ok" || d.Lists[0].Latest.ID != 3 ||
		d.Lists[0].LastChange.ID != 3 || d.Lists[1].Status != "failing" || d.Lists[1].Failures != 2 {
		t.Errorf("json: %+v", d)
	}
	rows := readCSV(t, f, "/?format=csv")
	if len(rows) != 3 || rows[0][0] != "list" || rows[1][0] != "ofac-sdn" || rows[1][2] != "ok" || rows[2][2] != "failing" {
		t.Errorf("csv: %q", rows)
	}
}

func TestOverviewNextCheck(t *testing.T) {
	f := newFixture(t, Options{NextCheck: func(list string) (time.Time, string) {
		return time.Date(2023, 9, 8, 14, 0, 0, 0, time.UTC), "schedule @every 1h"
	}})
	_, body := f.get(t, "/")
	mustContain(t, body, "2023-09-08 14:00 UTC", "schedule @every 1h")
}

func readCSV(t *testing.T, f *fixture, target string) [][]string {
	t.Helper()
	res, body := f.get(t, target)
	if res.StatusCode != 200 {
		t.Fatalf("%s: status %d: %s", target, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("%s: content type %q", target, ct)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	return rows
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, Options{})
	for _, target := range []string{"/", "/changes", "/lists/ofac-sdn/designations/44904", "/lists/ofac-sdn/diff/1/2",
		"/lists/ofac-sdn/snapshots", "/nowhere", "/changes?format=json", "/static/style.css"} {
		res, _ := f.get(t, target)
		if got := res.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy || strings.Contains(got, "script-src") ||
			strings.Contains(got, "unsafe-inline") {
			t.Errorf("%s: CSP %q", target, got)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", target, res.Header)
		}
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/changes", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", rec.Code)
	}
	res, body := f.get(t, "/static/style.css")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "@media") {
		t.Errorf("stylesheet: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// No page carries a script or an inline style the policy would block.
	for _, target := range []string{"/", "/changes?regime=all", "/lists/ofac-sdn/designations/44904", "/lists/ofac-sdn/diff/1/3", "/lists/ofac-sdn/snapshots"} {
		_, body := f.get(t, target)
		mustLack(t, body, "<script", "style=", "<style", "javascript:")
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, Options{})
	for _, tt := range []struct {
		target string
		status int
	}{
		{"/nowhere", 404},
		{"/lists/ofac-sdn/designations/999999999", 404},
		{"/lists/eu-fsf/designations/44904", 404},
		{"/lists/eu-fsf/diff/1/2", 404}, // the snapshots are ofac-sdn's
		{"/lists/ofac-sdn/diff/1/99", 404},
		{"/lists/ofac-sdn/diff/x/2", 404},
		{"/lists/ofac-sdn/snapshots/1/diff", 404}, // the first has nothing before it
		{"/lists/eu-fsf/snapshots", 404},
		{"/lists/ofac-sdn/snapshots/1/raw/5/x.csv", 404},
		{"/lists/ofac-sdn/snapshots/1/raw/0/other.csv", 404},
		{"/changes?format=xml", 400},
		{"/changes?kind=deleted", 400},
		{"/changes?from=yesterday", 400},
		{"/changes?page=0", 400},
		{"/changes?per_page=100000", 400},
	} {
		res, body := f.get(t, tt.target)
		if res.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.target, res.StatusCode, tt.status, body)
		}
		if strings.Contains(tt.target, "format=") {
			continue
		}
		res, body = f.get(t, tt.target+sep(tt.target)+"format=json")
		var e struct{ Error string }
		if res.StatusCode != tt.status || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Errorf("%s as JSON: status %d: %s", tt.target, res.StatusCode, body)
		}
	}
}

func sep(target string) string {
	if strings.Contains(target, "?") {
		return "&"
	}
	return "?"
}
