package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
	"github.com/cybersanctions/tracker/internal/web"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("serve", "[--listen ADDR]", `
Serve the read-only web view of the database: every list's freshness
(/), the changes across lists with filters (/changes), each designation's
whole history (/lists/LIST/designations/ID), the diff between two
snapshots (/lists/LIST/diff/FROM/TO) and each list's snapshots with their
raw files (/lists/LIST/snapshots). Every page is also JSON and CSV
(?format=json, ?format=csv). 'tracker run' serves the same pages on
'listen'.

The database is opened read-only; a running daemon may keep writing it.
Listens on 127.0.0.1:8080 unless --listen says otherwise; the config's
web.users_file (or the systemd credential web-users) turns on basic auth,
web.proxy_header trusts a reverse proxy's user header. SIGINT or SIGTERM
stops it.`)
	listen := fs.String("listen", web.DefaultListen, "`address` to listen on (host:port; port 0 picks one)")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if err := noOperands(fs); err != nil {
		return err
	}
	path, err := e.databasePath()
	if err != nil {
		return err
	}
	st, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := e.webHandler(st, scheduledNext(e))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := web.NewHTTPServer(*listen, h)
	fmt.Fprintf(e.stdout, "serving http://%s/ (database %s)\n", ln.Addr(), path)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// webHandler builds the web view from the config: its lists, alert
// regimes and authentication.
func (e *env) webHandler(st *store.Store, next func(string) (time.Time, string)) (http.Handler, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	auth := web.Auth{ProxyHeader: cfg.Web.ProxyHeader}
	users := cfg.Web.UsersFile
	if users == "" && auth.ProxyHeader == "" {
		// systemd's LoadCredential=web-users:/etc/tracker/web-users.
		if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "web-users")); err == nil {
				users = filepath.Join(dir, "web-users")
			}
		}
	}
	if users != "" {
		if auth.Users, err = web.LoadUsers(users); err != nil {
			return nil, err
		}
	}
	return web.New(web.Options{
		Store: st,
		Lists: cfg.EnabledLists(),
		Regimes: func(list string) []string {
			if f := e.filterFor(list); !f.All {
				return f.Regimes
			}
			l, _ := lists.Lookup(list)
			return l.CyberRegimes
		},
		NextCheck: next,
		Auth:      auth,
	})
}

// scheduledNext is the next check of each enabled list by its schedule,
// for pages served without the daemon: the daemon may check sooner
// (adaptive polling, retries).
func scheduledNext(e *env) func(string) (time.Time, string) {
	cfg, err := e.config()
	if err != nil {
		return nil
	}
	specs, _ := listSpecs(cfg)
	return func(list string) (time.Time, string) {
		for _, s := range specs {
			if s.List.Name != list {
				continue
			}
			sched, err := daemon.ParseSchedule(s.Schedule)
			if err != nil {
				return time.Time{}, ""
			}
			return sched.Next(time.Now()), "by the schedule " + s.Schedule + " (the daemon may check sooner)"
		}
		return time.Time{}, ""
	}
}
