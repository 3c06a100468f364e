// Package e2e drives the real server in a real browser: app.Start on a
// loopback port against a fresh database seeded with the demo data, and
// headless Chromium through chromedp. Every screen is screenshotted at both
// tablet sizes, checked with axe-core for serious accessibility problems,
// weighed, and any JavaScript error fails the test.
package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The two tablet sizes every screen must work at.
var sizes = []struct {
	Name string
	W, H int64
}{{"landscape", 1280, 800}, {"portrait", 800, 1280}}

// server starts Laminar exactly as `laminar serve --demo` does, on a free
// loopback port against a fresh database.
func server(t *testing.T) *app.App {
	t.Helper()
	dsn := testdb.NewDSN(t)
	_, name, _ := strings.Cut(dsn, "dbname=")
	name, _, _ = strings.Cut(name, " ")
	env := map[string]string{
		"DATABASE_URL": testdb.Cluster(t).AppURL(name), // as the private cluster runs it: no superuser
		"LAMINAR_ADDR": "127.0.0.1:0",
		"LAMINAR_TZ":   "America/Chicago",
		// The log's key and signed checkpoints live in the data directory:
		// each run gets its own, never the package directory.
		"LAMINAR_DATA_DIR": t.TempDir(),
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logw := io.Discard
	if os.Getenv("LAMINAR_E2E_LOG") != "" {
		logw = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Start(context.Background(), cfg, log, app.Options{Demo: true})
	if err != nil {
		t.Fatalf("start the server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return a
}

// browser is one headless Chromium with its own profile, collecting every
// JavaScript error the pages raise.
type browser struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string

	mu   sync.Mutex
	errs []string
}

func newBrowser(t *testing.T, name, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	b := &browser{t: t, name: name, ctx: ctx, base: base}
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Listen(ctx, b.onEvent); err != nil {
		t.Fatalf("%s: start the browser: %v", name, err)
	}
	b.run(chromedp.EmulateViewport(1280, 800))
	return b
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("LAMINAR_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	t.Fatal("no Chromium found: install the Debian package chromium (make deps-chromium) or set LAMINAR_CHROMIUM")
	return ""
}

// onEvent records JavaScript exceptions and console errors. It runs on the
// browser's reading goroutine, so it only appends under a lock.
func (b *browser) onEvent(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
			msg += ": " + ev.ExceptionDetails.Exception.Description
		}
		b.addErr(fmt.Sprintf("exception at %s:%d: %s", ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber, msg))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			b.addErr("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
		}
	}
}

func (b *browser) addErr(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, s)
}

// checkErrors fails the test on any JavaScript error seen so far.
func (b *browser) checkErrors(where string) {
	b.t.Helper()
	b.mu.Lock()
	errs := b.errs
	b.errs = nil
	b.mu.Unlock()
	for _, e := range errs {
		b.t.Errorf("%s, %s: JavaScript error: %s", b.name, where, e)
	}
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

func evalIn[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: evaluate %.80q: %v", b.name, js, err)
	}
	return v
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *browser) path() string {
	loc := evalIn[string](b, `location.pathname + location.search`)
	return loc
}

// waitFor polls a JavaScript condition until it is true.
func (b *browser) waitFor(what, js string, within time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if evalIn[bool](b, js) {
			return
		}
		if time.Now().After(deadline) {
			state := evalIn[string](b, `location.pathname + ' | feedback: ' + ((document.getElementById('feedback') || {}).textContent || '') +
				' | saving: ' + ((document.getElementById('save-state') || {}).textContent || '')`)
			b.t.Fatalf("%s: waited %s for %s (%s); page: %s", b.name, within, what, js, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---------------------------------------------------------------- report

// report collects the numbers the test measures, printed at the end and
// written next to the screenshots.
type report struct {
	mu      sync.Mutex
	dir     string
	Weights map[string]pageWeight `json:"page_weight_bytes"`
	Scans   []float64             `json:"scan_to_feedback_ms"`
	Taps    int                   `json:"taps"`
	ScansN  int                   `json:"scans"`
	Notes   []string              `json:"notes"`
}

type pageWeight struct {
	// Cold is everything the screen needs with an empty cache (HTML,
	// CSS, JS, images, as encoded on the wire, before headers).
	Cold int64 `json:"cold"`
	// Transferred is what actually crossed the wire for this visit, with
	// headers; immutable assets come from the cache after the first screen.
	Transferred int64 `json:"transferred"`
	Requests    int   `json:"requests"`
}

func newReport(t *testing.T) *report {
	dir := os.Getenv("LAMINAR_SCREENSHOTS")
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "laminar-screens-")
		if err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots and measurements in %s", dir)
	return &report{dir: dir, Weights: map[string]pageWeight{}}
}

func (r *report) write(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(r.dir, "measurements.json"), b, 0o644); err != nil {
		t.Error(err)
	}
	names := make([]string, 0, len(r.Weights))
	for n := range r.Weights {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w := r.Weights[n]
		t.Logf("page weight %-22s cold %6.1f KB, transferred %6.1f KB, %d requests", n, float64(w.Cold)/1024, float64(w.Transferred)/1024, w.Requests)
	}
	if len(r.Scans) > 0 {
		s := append([]float64(nil), r.Scans...)
		sort.Float64s(s)
		t.Logf("scan Enter → feedback: n=%d min %.1f ms, median %.1f ms, max %.1f ms", len(s), s[0], s[len(s)/2], s[len(s)-1])
	}
	t.Logf("standard preparation: %d taps + %d scans", r.Taps, r.ScansN)
	for _, n := range r.Notes {
		t.Log(n)
	}
}

// screen checks the page now shown: screenshots at both tablet sizes, the
// axe-core audit, the page weight, and no JavaScript error.
func (b *browser) screen(r *report, name string) {
	b.t.Helper()
	// Weight first, before axe adds its own script.
	w := evalIn[pageWeight](b, `(() => {
		const nav = performance.getEntriesByType('navigation')[0] || {};
		let cold = nav.encodedBodySize || 0, tx = nav.transferSize || 0, n = 1;
		for (const e of performance.getEntriesByType('resource')) {
			cold += e.encodedBodySize || e.decodedBodySize || 0; tx += e.transferSize || 0; n++;
		}
		return {cold, transferred: tx, requests: n};
	})()`)
	r.mu.Lock()
	r.Weights[name] = w
	r.mu.Unlock()
	if w.Cold > 100*1024 {
		b.t.Errorf("%s: page weight %d bytes is over the 100 KB budget", name, w.Cold)
	}
	for _, s := range sizes {
		b.run(chromedp.EmulateViewport(s.W, s.H))
		time.Sleep(80 * time.Millisecond)
		ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			b.t.Fatalf("%s: screenshot: %v", name, err)
		}
		file := filepath.Join(r.dir, fmt.Sprintf("%s-%s.png", name, s.Name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.axe(name + " " + s.Name)
	}
	b.run(chromedp.EmulateViewport(1280, 800))
	b.checkErrors(name)
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript installs axe-core with npm once (into the user's cache, never
// into the repository) and returns its source.
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		dir := os.Getenv("LAMINAR_AXE_DIR")
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				cache = os.TempDir()
			}
			dir = filepath.Join(cache, "laminar", "axe")
		}
		file := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
		if _, err := os.Stat(file); err != nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				axeErr = err
				return
			}
			cmd := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "axe-core@4")
			out, err := cmd.CombinedOutput()
			if err != nil {
				axeErr = fmt.Errorf("npm install axe-core: %v\n%s", err, out)
				return
			}
		}
		b, err := os.ReadFile(file)
		axeSource, axeErr = string(b), err
	})
	if axeErr != nil {
		t.Fatalf("axe-core is needed for the accessibility check (it needs npm): %v", axeErr)
	}
	return axeSource
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the page and fails on any
// serious or critical violation.
func (b *browser) axe(where string) {
	b.t.Helper()
	if !evalIn[bool](b, `typeof window.axe === 'object'`) {
		ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeScript(b.t)))
		cancel()
		if err != nil {
			b.t.Fatalf("%s: inject axe-core: %v", where, err)
		}
	}
	vs := evalIn[[]axeViolation](b, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
		.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\n').slice(1, 2).join(''))})))`)
	for _, v := range vs {
		b.t.Errorf("%s: accessibility (%s) %s: %s\n    %s", where, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "\n    "))
	}
}
