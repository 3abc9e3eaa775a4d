package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium or Chrome binary; "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserProblems collects what must never happen on a page: a console
// error (a Content-Security-Policy violation is one), an uncaught
// exception, a dialog (the list text ran as script).
type browserProblems struct {
	mu   sync.Mutex
	list []string
}

func (p *browserProblems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *browserProblems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

// TestBrowser drives the pages in a real headless Chromium at a phone's
// width (390 pixels): the overview, a change followed to its designation
// page, the snapshot diff, a filter applied. No page may log an error,
// open a dialog (the designation named <script>alert(1)</script> must read
// as text) or need horizontal scrolling. Screenshots of each page go to a
// temporary directory, or to $TRACKER_SCREENSHOTS (docs/web is made so).
// Without a Chromium binary the test is skipped; CI installs Debian's.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium binary on PATH (apt-get install chromium; .ci/run does)")
	}
	f := newFixture(t, Options{})
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	shots := os.Getenv("TRACKER_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(390, 844))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first Do starts the browser, with no deadline of its own.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var problems browserProblems
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems.add("exception: %s", e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				problems.add("console.error")
			}
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				problems.add("log: %s", e.Entry.Text)
			}
		case *page.EventJavascriptDialogOpening:
			problems.add("a dialog opened: %q", e.Message)
		}
	}); err != nil {
		t.Fatal(err)
	}

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		// The page fits a phone: nothing wider than the viewport.
		wide, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if wide {
			t.Errorf("%s: wider than a 390-pixel screen", name)
		}
		for _, p := range problems.take() {
			t.Errorf("%s: %s", name, p)
		}
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	step("overview", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("table")))
	if body := text("body"); !strings.Contains(body, "ofac-sdn") {
		t.Errorf("overview does not show ofac-sdn:\n%s", body)
	}

	step("changes", chromedp.Click(chromedp.CSS(`a[href="/changes"]`)), chromedp.WaitVisible(chromedp.CSS("a.designation")))
	if body := text("body"); !strings.Contains(body, scriptName) {
		t.Errorf("the changes page does not show %q as text", scriptName)
	}

	step("designation", chromedp.Click(chromedp.CSS(`a.designation`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/lists/ofac-sdn/designations/") {
		t.Errorf("followed a change to %q, %v: want a designation page", loc, err)
	}

	step("diff", chromedp.Navigate(ts.URL+"/changes"), chromedp.WaitVisible(chromedp.CSS("a.diff")),
		chromedp.Click(chromedp.CSS(`a.diff`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "/diff") {
		t.Errorf("the diff link led to %q, %v", loc, err)
	}

	step("filter", chromedp.Navigate(ts.URL+"/changes"), chromedp.WaitVisible(chromedp.CSS("form.filter")),
		chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), "amended"),
		chromedp.Click(chromedp.CSS(`form.filter button[type="submit"]`)),
		// The answer to the form: its select shows the filter applied.
		chromedp.WaitReady(chromedp.CSS(`select[name="kind"] option[value="amended"][selected]`)))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "kind=amended") {
		t.Errorf("the filter form led to %q, %v: want kind=amended in the URL", loc, err)
	}
	kinds, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#changes tbody span[class^="kind-"]')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(kinds) == 0 {
		t.Error("filtered to amendments, the page shows none (the fixture has two)")
	}
	for _, k := range kinds {
		if k != "amended" {
			t.Errorf("filtered to amendments, the page shows a change %q", k)
		}
	}
}
