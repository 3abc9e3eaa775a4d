// Package web serves the tracker's read-only pages: an overview of every
// list's freshness, a timeline of changes, a page per designation with its
// whole history, the diff between two snapshots and each list's snapshots
// with their raw files. Pages are server-rendered html/template with one
// embedded stylesheet and no JavaScript; every page is also JSON and CSV
// (?format=json|csv) for analysts' tools. One handler file per page, in
// the shape of miniflux's internal/ui.
//
// Permalinks name the list and the publisher's own id
// (/lists/ofac-sdn/designations/47814), so they survive restarts and
// re-imports.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

//go:embed templates/*.html static/*
var assets embed.FS

// DefaultListen is where `tracker serve` listens without --listen: this
// machine only, since the pages show what the database holds.
const DefaultListen = "127.0.0.1:8080"

// RequestTimeout bounds every request: a slow query or a stalled client
// never holds a reader connection for long.
const RequestTimeout = 30 * time.Second

// Options configure the pages.
type Options struct {
	// Store is read only: every page reads, none writes. Open it with
	// store.OpenToRead or share the daemon's.
	Store *store.Store
	// Lists are the lists the overview shows first (the configured ones);
	// a list with snapshots but not here is shown after them.
	Lists []string
	// Regimes returns a list's alert regimes, which the timeline's
	// "cyber" filter keeps; nil: the registry's cyber regimes.
	Regimes func(list string) []string
	// NextCheck returns when a list is checked next and how that was
	// decided; nil or a zero time: not known (no daemon).
	NextCheck func(list string) (time.Time, string)
	// Auth guards every page but the stylesheet; zero: open (fine on
	// 127.0.0.1).
	Auth Auth
	Log  *slog.Logger
	Now  func() time.Time
}

// Server is the pages' http.Handler.
type Server struct {
	opts  Options
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// New returns the pages' handler.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("web: no store")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Regimes == nil {
		opts.Regimes = func(list string) []string {
			l, err := lists.Lookup(list)
			if err != nil {
				return nil
			}
			return l.CyberRegimes
		}
	}
	s := &Server{opts: opts, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, name := range []string{"overview", "changes", "designation", "diff", "snapshots", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	// Browsers ask for /favicon.ico whatever the page says; the icon
	// spares every page a 404 in the console.
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	s.mux.HandleFunc("GET /{$}", s.overview)
	s.mux.HandleFunc("GET /changes", s.changes)
	s.mux.HandleFunc("GET /lists/{list}/designations/{id}", s.designation)
	s.mux.HandleFunc("GET /lists/{list}/snapshots", s.snapshots)
	s.mux.HandleFunc("GET /lists/{list}/snapshots/{id}/diff", s.diff)
	s.mux.HandleFunc("GET /lists/{list}/diff/{from}/{to}", s.diff)
	s.mux.HandleFunc("GET /lists/{list}/snapshots/{id}/raw/{seq}/{name}", s.raw)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "no such page")
	})
	return s, nil
}

// ServeHTTP sets the security headers, checks credentials and bounds the
// request's time before the page runs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No script at all; styles only from our own stylesheet; no frames,
	// no plugins, forms only back to us.
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "read-only: GET only", http.StatusMethodNotAllowed)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/static/") && !s.opts.Auth.allow(w, r) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), RequestTimeout)
	defer cancel()
	s.mux.ServeHTTP(w, r.WithContext(ctx))
}

// ContentSecurityPolicy is every response's policy.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// NewHTTPServer serves h on addr with timeouts at every stage, so that no
// client can hold a connection open.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      RequestTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// format is the representation asked for: html, json or csv.
func format(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "html":
		return "html", nil
	case "json", "csv":
		return f, nil
	default:
		return "", fmt.Errorf("format %q: want html, json or csv", f)
	}
}

// view is what a page hands to render: the data of every format.
type view struct {
	page  string
	title string
	data  any        // the template's .Data and the JSON
	csv   [][]string // header row first
	// name of the CSV download, without extension
	file string
}

// layout is what templates/layout.html sees.
type layout struct {
	Title string
	Nav   string
	Data  any
	// Alternates are this page as JSON and CSV.
	JSON, CSV string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, v view) {
	f, err := format(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch f {
	case "json":
		writeJSON(w, v.data)
	case "csv":
		writeCSV(w, v.file, v.csv)
	default:
		s.html(w, http.StatusOK, v.page, layout{Title: v.title, Nav: v.page, Data: v.data,
			JSON: withFormat(r.URL, "json"), CSV: withFormat(r.URL, "csv")})
	}
}

func (s *Server) html(w http.ResponseWriter, status int, page string, l layout) {
	var b strings.Builder
	if err := s.pages[page].ExecuteTemplate(&b, "layout", l); err != nil {
		s.opts.Log.Error("web: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail answers an error in the format asked for; the message is shown
// escaped, like everything else.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.URL.Query().Get("format") {
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		writeJSONBody(w, map[string]string{"error": msg})
	case "csv":
		http.Error(w, msg, status)
	default:
		s.html(w, status, "error", layout{Title: http.StatusText(status), Data: struct {
			Status  int
			Message string
		}{status, msg}})
	}
}

// failStore maps a store error to a status: a missing snapshot or
// designation is a 404, anything else is logged and a 500 without detail.
func (s *Server) failStore(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrQuarantined), errors.Is(err, store.ErrRetracted):
		s.fail(w, r, http.StatusConflict, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		s.fail(w, r, http.StatusServiceUnavailable, "the request took too long")
	default:
		s.opts.Log.Error("web: read", "path", r.URL.Path, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "reading the database failed")
	}
}

func withFormat(u *url.URL, f string) string {
	q := u.Query()
	q.Set("format", f)
	return u.Path + "?" + q.Encode()
}

// lists returns the configured lists, then any other list with snapshots.
func (s *Server) lists(ctx context.Context) ([]string, error) {
	stored, err := s.opts.Store.StoredLists(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(s.opts.Lists)
	for _, l := range stored {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

func publisher(list string) string {
	if l, err := lists.Lookup(list); err == nil {
		return l.Publisher
	}
	return list
}
