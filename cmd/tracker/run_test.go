package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// envRunMain makes the test binary act as the tracker binary, so that tests
// can signal a real process without building one.
const envRunMain = "TRACKER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// url is where a list's file is served: the file's real name after the
// list's name, since parsers may tell formats by name.
func (s *listServer) url(list string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := "list"
	if f := s.files["/"+list]; f != "" {
		name = filepath.Base(f)
	}
	return s.URL + "/" + list + "/" + name
}

// listServer serves real list files under a list's name ("/ofac-sdn/…"), with ETags so
// that a repeated request is answered 304, or fails or trickles on demand.
type listServer struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string]string // URL path → file
	status   map[string]int
	trickle  map[string]bool
	requests map[string][]int // URL path → status codes answered
	started  chan string      // trickling responses that began
}

func newListServer(t testing.TB) *listServer {
	s := &listServer{files: map[string]string{}, status: map[string]int{}, trickle: map[string]bool{},
		requests: map[string][]int{}, started: make(chan string, 16)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *listServer) serve(w http.ResponseWriter, r *http.Request) {
	key := "/" + strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0] // "/ofac-sdn/sdn.xml" → "/ofac-sdn"
	s.mu.Lock()
	file, status, slow := s.files[key], s.status[key], s.trickle[key]
	s.mu.Unlock()
	record := func(code int) {
		s.mu.Lock()
		s.requests[key] = append(s.requests[key], code)
		s.mu.Unlock()
	}
	if status != 0 || file == "" {
		status = max(status, http.StatusNotFound)
		record(status)
		http.Error(w, "unavailable", status)
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		record(500)
		http.Error(w, err.Error(), 500)
		return
	}
	etag := `"` + filepath.Base(file) + `"`
	if !slow && r.Header.Get("If-None-Match") == etag {
		record(http.StatusNotModified)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	record(http.StatusOK)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if !slow {
		w.Write(data)
		return
	}
	w.WriteHeader(http.StatusOK)
	s.started <- r.URL.Path
	for off := 0; off < len(data); off += 32 {
		if _, err := w.Write(data[off:min(off+32, len(data))]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *listServer) set(path, file string, status int, slow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path], s.status[path], s.trickle[path] = file, status, slow
}

func (s *listServer) answered(path string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.requests[path]...)
}

// writeRunConfig writes a config that enables lists at the server's paths
// and disables every other list, so that no test reaches a publisher.
func writeRunConfig(t testing.TB, srv *listServer, extra string, enabled ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "schedule: \"@every 1h\"\n%s\nlists:\n", extra)
	for _, name := range lists.Names() {
		if l, _ := lists.Lookup(name); !slices.Contains(enabled, name) && !l.ImportOnly {
			fmt.Fprintf(&b, "  %s:\n    enabled: false\n", name)
		}
	}
	for _, l := range enabled {
		fmt.Fprintf(&b, "  %s:\n    enabled: true\n    urls: [%q]\n    timeout: 20s\n    retries: 0\n", l, srv.url(l))
	}
	path := filepath.Join(t.TempDir(), "tracker.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// realFiles are the list files the tests serve; a list is used only once
// its parser is registered.
var realFiles = []struct{ list, file string }{
	{"ofac-sdn", "ofac/constructed/2025-06-30.sdn.xml"},
	{"eu-fsf", "eu/fsf/2020-07-30.xml"},
}

func servedLists(t testing.TB, srv *listServer) []string {
	var names []string
	for _, rf := range realFiles {
		if _, err := lists.Lookup(rf.list); err != nil {
			t.Logf("%s: not registered yet, left out", rf.list)
			continue
		}
		srv.set("/"+rf.list, shareddata.Path(t, rf.file), 0, false)
		names = append(names, rf.list)
	}
	return names
}

func openDB(t testing.TB, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestRunOnce: `tracker run --once` stores a snapshot of every enabled list
// from the publisher's real files; a second cycle, answered 304, stores
// nothing and records "checked, unchanged"; a list answering 500 fails the
// run (exit 2) without stopping the others.
func TestRunOnce(t *testing.T) {
	srv := newListServer(t)
	served := servedLists(t, srv)
	c := newCLI(t)
	cfg := writeRunConfig(t, srv, "", served...)

	out := c.mustRun(0, "--config", cfg, "run", "--once")
	for _, l := range served {
		if !regexp.MustCompile(`(?m)^` + l + `: stored snapshot \d+$`).MatchString(out) {
			t.Errorf("first cycle, %s:\n%s", l, out)
		}
	}
	out = c.mustRun(0, "--config", cfg, "run", "--once")
	for _, l := range served {
		if !strings.Contains(out, l+": checked, unchanged (304 Not Modified)") {
			t.Errorf("second cycle, %s:\n%s", l, out)
		}
		if got := srv.answered("/" + l); fmt.Sprint(got) != "[200 304]" {
			t.Errorf("%s answered %v, want [200 304]", l, got)
		}
	}

	st := openDB(t, c.db)
	ctx := context.Background()
	for _, l := range served {
		snaps, err := st.Snapshots(ctx, l)
		if err != nil || len(snaps) != 1 {
			t.Errorf("%s: %d snapshots (%v), want 1", l, len(snaps), err)
		}
		checks, err := st.Checks(ctx, l, 0)
		if err != nil || len(checks) != 2 || checks[0].String() != "checked, unchanged (304 Not Modified)" {
			t.Errorf("%s: checks %v (%v)", l, checks, err)
		}
	}

	srv.set("/ofac-sdn", "", http.StatusInternalServerError, false)
	code, out, errOut := c.run("--config", cfg, "run", "--once")
	if code != exitTrouble || !strings.Contains(out, "ofac-sdn: failed: ") || !strings.Contains(errOut, "1 of") {
		t.Errorf("with ofac-sdn failing: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, l := range served[1:] {
		if !strings.Contains(out, l+": checked, unchanged") {
			t.Errorf("%s stopped by another list's failure:\n%s", l, out)
		}
	}
}

// TestRunAlertsAndOperatorNotices: through the outbox and the stdout
// notifier (no slack section), a new publication alerts on its three CYBER4
// designations, and a list failing notify.failure_threshold times in a row
// produces one operator notice, then one when it works again.
func TestRunAlertsAndOperatorNotices(t *testing.T) {
	srv := newListServer(t)
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"), 0, false)
	c := newCLI(t)
	cfg := writeRunConfig(t, srv, "notify:\n  failure_threshold: 2", "ofac-sdn")
	once := func(want int) string {
		t.Helper()
		code, out, errOut := c.run("--config", cfg, "run", "--once")
		if code != want {
			t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, want, out, errOut)
		}
		return out
	}

	if out := once(0); strings.Contains(out, "== ") {
		t.Errorf("the baseline alerted:\n%s", out)
	}
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"), 0, false)
	out := once(0)
	for _, name := range []string{"AEZA GROUP LLC", "GRINEX", "MEDIA LAND LLC"} { // CHANGES.md
		if !strings.Contains(out, name) {
			t.Errorf("alert lacks the CYBER4 designation %s:\n%s", name, out)
		}
	}
	if strings.Contains(out, "HANIYA") {
		t.Errorf("alert names an unchanged non-cyber entry:\n%s", out)
	}

	srv.set("/ofac-sdn", "", http.StatusInternalServerError, false)
	var all strings.Builder
	for range 4 {
		all.WriteString(once(exitTrouble))
	}
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"), 0, false)
	for range 2 {
		all.WriteString(once(0))
	}
	notices := regexp.MustCompile(`(?m)^!! tracker ofac-sdn: .*$`).FindAllString(all.String(), -1)
	if len(notices) != 2 || !strings.Contains(notices[0], "failed 2 checks in a row") || !strings.Contains(notices[0], "500") ||
		!strings.Contains(notices[1], "works again after 4 failed checks") {
		t.Errorf("operator notices %q, want one failure notice and one recovery\n%s", notices, all.String())
	}
}

// notifySocket listens where the child's systemd notifications go.
type notifySocket struct {
	path string
	conn *net.UnixConn
	msgs chan string
}

func listenNotify(t testing.TB) *notifySocket {
	// Socket paths are limited to ~108 bytes: t.TempDir() can be longer.
	dir, err := os.MkdirTemp("", "sdnotify")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	n := &notifySocket{path: path, conn: conn, msgs: make(chan string, 256)}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				close(n.msgs)
				return
			}
			n.msgs <- string(buf[:k])
		}
	}()
	return n
}

// await reads notifications until want arrives, returning all read.
func (n *notifySocket) await(t testing.TB, want string, timeout time.Duration) []string {
	t.Helper()
	var got []string
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-n.msgs:
			if !ok {
				t.Fatalf("notify socket closed waiting for %s; got %q", want, got)
			}
			got = append(got, m)
			if m == want {
				return got
			}
		case <-deadline:
			t.Fatalf("no %s within %v; got %q", want, timeout, got)
		}
	}
}

// child starts the tracker as a real process.
func startChild(t testing.TB, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), append([]string{envRunMain + "=1", "TRACKER_CONFIG="}, env...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &out
}

// waitExit waits for the child, returning its exit status and how long
// it took.
func waitExit(t testing.TB, cmd *exec.Cmd, within time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), time.Since(start)
	case <-time.After(within):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the tracker did not exit within %v", within)
		return 0, 0
	}
}

// TestRunSIGTERMDuringSlowDownload runs the daemon as a real process under
// a fake systemd: READY=1, then watchdog pings, then SIGTERM in the middle
// of a download that trickles in. The process must say STOPPING=1 and exit
// 0 within 5s, leaving the database without a snapshot; the next start
// must work.
func TestRunSIGTERMDuringSlowDownload(t *testing.T) {
	srv := newListServer(t)
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"), 0, true)
	cfg := writeRunConfig(t, srv, "", "ofac-sdn")
	db := filepath.Join(t.TempDir(), "tracker.db")
	sock := listenNotify(t)

	cmd, out := startChild(t, []string{"NOTIFY_SOCKET=" + sock.path, "WATCHDOG_USEC=200000"},
		"--db", db, "--config", cfg, "run")
	got := sock.await(t, "READY=1", 10*time.Second)
	select {
	case <-srv.started:
	case <-time.After(10 * time.Second):
		t.Fatalf("the initial download never started; output:\n%s", out)
	}
	got = append(got, sock.await(t, "WATCHDOG=1", 5*time.Second)...)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, took := waitExit(t, cmd, 5*time.Second)
	got = append(got, sock.await(t, "STOPPING=1", time.Second)...)
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0; output:\n%s", code, out)
	}
	t.Logf("exited %v after SIGTERM", took)
	seq := strings.Join(got, " ")
	if !regexp.MustCompile(`^READY=1( WATCHDOG=1)+ STOPPING=1$`).MatchString(seq) {
		t.Errorf("notifications %q, want READY=1, WATCHDOG=1…, STOPPING=1", seq)
	}
	if !strings.Contains(out.String(), "check interrupted by shutdown") {
		t.Errorf("output:\n%s", out)
	}

	st := openDB(t, db)
	if snaps, err := st.Snapshots(context.Background(), ""); err != nil || len(snaps) != 0 {
		t.Errorf("after SIGTERM mid-download: %d snapshots (%v), want none", len(snaps), err)
	}
	if checks, err := st.Checks(context.Background(), "", 0); err != nil || len(checks) != 0 {
		t.Errorf("after SIGTERM mid-download: checks %v (%v): an interrupted check is no failure", checks, err)
	}

	// The next start works.
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"), 0, false)
	cmd, out = startChild(t, nil, "--db", db, "--config", cfg, "run", "--once")
	if code, _ := waitExit(t, cmd, 30*time.Second); code != 0 || !strings.Contains(out.String(), "ofac-sdn: stored snapshot 1") {
		t.Errorf("restart: exit %d\n%s", code, out)
	}
}

// TestRunSecondSignalExitsAtOnce: while shutdown waits (here for an HTTP
// client that never finishes its request), a second SIGTERM ends the
// process at once with status 130.
func TestRunSecondSignalExitsAtOnce(t *testing.T) {
	srv := newListServer(t)
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"), 0, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := writeRunConfig(t, srv, "listen: "+addr, "ofac-sdn")
	sock := listenNotify(t)
	cmd, out := startChild(t, []string{"NOTIFY_SOCKET=" + sock.path}, "--db", filepath.Join(t.TempDir(), "t.db"), "--config", cfg, "run", "--no-initial-run")
	sock.await(t, "READY=1", 10*time.Second)

	var conn net.Conn
	for i := 0; ; i++ {
		if conn, err = net.Dial("tcp", addr); err == nil {
			break
		}
		if i == 50 {
			t.Fatalf("the tracker does not listen on %s: %v\n%s", addr, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\n")); err != nil { // and never the rest
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	sock.await(t, "STOPPING=1", 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(t, cmd, 3*time.Second)
	if code != exitInterrupted || !strings.Contains(out.String(), "second terminated: exiting without waiting") {
		t.Errorf("exit status %d after %v, want %d\n%s", code, took, exitInterrupted, out)
	}
}

// TestSecondDaemonRefuses: while one daemon runs, a second one on the same
// database exits 2 naming the first one's pid; one-shot commands still
// work; once the first has stopped, a new daemon starts.
func TestSecondDaemonRefuses(t *testing.T) {
	srv := newListServer(t)
	srv.set("/ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"), 0, false)
	cfg := writeRunConfig(t, srv, "", "ofac-sdn")
	db := filepath.Join(t.TempDir(), "tracker.db")
	sock := listenNotify(t)
	first, out := startChild(t, []string{"NOTIFY_SOCKET=" + sock.path}, "--db", db, "--config", cfg, "run", "--no-initial-run")
	sock.await(t, "READY=1", 10*time.Second)

	second, out2 := startChild(t, nil, "--db", db, "--config", cfg, "run", "--once")
	code, _ := waitExit(t, second, 10*time.Second)
	want := "another tracker daemon is running on this database (pid " + strconv.Itoa(first.Process.Pid) + ","
	if code != exitTrouble || !strings.Contains(out2.String(), want) {
		t.Errorf("second daemon: exit %d, want %d with %q\n%s", code, exitTrouble, want, out2)
	}
	c := &cli{t: t, db: db}
	t.Setenv("TRACKER_CONFIG", "")
	c.mustRun(0, "snapshots")

	first.Process.Signal(syscall.SIGTERM)
	if code, _ := waitExit(t, first, 10*time.Second); code != 0 {
		t.Fatalf("first daemon: exit %d\n%s", code, out)
	}
	third, out3 := startChild(t, nil, "--db", db, "--config", cfg, "run", "--once")
	if code, _ := waitExit(t, third, 30*time.Second); code != 0 {
		t.Errorf("daemon after the first stopped: exit %d\n%s", code, out3)
	}
}

// TestBackupCommand: a backup holds the stored snapshots and is never
// written over an existing file.
func TestBackupCommand(t *testing.T) {
	c := newCLI(t)
	c.mustRun(0, "import", "--list", "ofac-sdn", shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
	dst := filepath.Join(t.TempDir(), "copy.db")
	out := c.mustRun(0, "backup", dst)
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("(%d bytes)", fi.Size()); !strings.Contains(out, want) || !strings.Contains(out, dst) {
		t.Errorf("backup output %q, want the path and %s", out, want)
	}
	copyCLI := &cli{t: t, db: dst}
	if out := copyCLI.mustRun(0, "snapshots"); !strings.Contains(out, "ofac-sdn") {
		t.Errorf("snapshots in the backup:\n%s", out)
	}
	code, _, errOut := c.run("backup", dst)
	if code != exitTrouble || !strings.Contains(errOut, "refusing to overwrite") {
		t.Errorf("backup over an existing file: exit %d, %s", code, errOut)
	}
	if code, _, _ := c.run("backup"); code != exitTrouble {
		t.Errorf("backup without a path: exit %d", code)
	}
}

func TestConfigCheck(t *testing.T) {
	srv := newListServer(t)
	tests := map[string]struct {
		config string
		args   []string
		code   int
		want   []string
	}{
		"ok": {
			config: writeRunConfig(t, srv, "listen: 127.0.0.1:9464", "ofac-sdn"),
			code:   0,
			want:   []string{"config OK: 1 lists enabled: ofac-sdn (@every 1h)", "listen:   127.0.0.1:9464", "alerts:   stdout"},
		},
		"flags after check": {
			config: writeRunConfig(t, srv, "", "ofac-sdn"),
			args:   []string{"check", "--db", "x.db"},
			code:   0,
			want:   []string{"config OK", "database: x.db (--db)"},
		},
		"every mistake, with line and key": {
			config: writeRunConfig(t, srv, "log:\n  format: xml\n  level: loud\nlisten: nowhere\njitter: soon", "ofac-sdn"),
			code:   exitTrouble,
			want:   []string{"line 3: log.format: want one of text, json", "line 4: log.level:", "line 5: listen:", "line 6: jitter:"},
		},
		"not check": {
			config: writeRunConfig(t, srv, "", "ofac-sdn"),
			args:   []string{"lint"},
			code:   exitTrouble,
			want:   []string{"Usage: tracker config check"},
		},
	}
	for name, tc := range tests {
		c := newCLI(t)
		args := tc.args
		if args == nil {
			args = []string{"check"}
		}
		code, out, errOut := c.run(append([]string{"--config", tc.config, "config"}, args...)...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", name, code, tc.code, out, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out+errOut, w) {
				t.Errorf("%s: output lacks %q:\n%s%s", name, w, out, errOut)
			}
		}
	}
}

// TestServiceUnitVerifies runs systemd-analyze verify on the shipped unit.
func TestServiceUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install -y systemd): cannot verify packaging/tracker.service")
	}
	unit, err := os.ReadFile(filepath.Join("..", "..", "packaging", "tracker.service"))
	if err != nil {
		t.Fatal(err)
	}
	// verify insists that ExecStart's binary exists; the test binary
	// stands in for /usr/local/bin/tracker.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unit, []byte("ExecStart=/usr/local/bin/tracker ")) {
		t.Fatal("tracker.service: ExecStart no longer runs /usr/local/bin/tracker; update this test")
	}
	unit = bytes.ReplaceAll(unit, []byte("/usr/local/bin/tracker "), []byte(self+" "))
	path := filepath.Join(t.TempDir(), "tracker.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	// verify exits 0 on directives it ignores, printing a warning: any
	// mention of the unit is a failure too.
	if err != nil || bytes.Contains(out, []byte("tracker.service")) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestServiceUnitSecurity holds the shipped unit to an exposure of at most
// 1.5 in systemd-analyze security, with a memory limit set.
func TestServiceUnitSecurity(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not installed in CI (.ci/run installs systemd)")
		}
		t.Skip("systemd-analyze not installed (apt-get install -y systemd)")
	}
	path := filepath.Join("..", "..", "packaging", "tracker.service")
	unit, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^MemoryMax=\d+[KMG]?$`).Match(unit) {
		t.Error("tracker.service sets no MemoryMax=")
	}
	out, _ := exec.Command(analyze, "security", "--offline=true", "--no-pager", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for tracker\.service: (\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security printed no exposure level:\n%s", out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 1.5 {
		t.Errorf("exposure level %.1f, want at most 1.5:\n%s", level, out)
	}
}
