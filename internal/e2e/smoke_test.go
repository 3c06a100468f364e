package e2e_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/testdb"
	"github.com/laminar-rx/laminar/internal/webui"
)

// bareServer serves the HTTP API on an empty database, without demo data:
// enough for the screens that need no one logged in.
func bareServer(t *testing.T) string {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	api := &httpapi.API{Store: testdb.New(t), Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if api.Pages, err = webui.New(webui.Deps{Store: api.Store, Config: cfg, Log: api.Log}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(api))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestLoginScreens(t *testing.T) {
	r := newReport(t)
	defer r.write(t)
	b := newBrowser(t, "tablet", bareServer(t))
	b.open("/login")
	b.screen(r, "login-badge")
	b.open("/login?mode=password")
	b.screen(r, "login-password")
	// A scan while the username field has focus does not land in it.
	b.run(chromedp.Click(chromedp.CSS("#username")), chromedp.KeyEvent("a"))
	time.Sleep(150 * time.Millisecond)
	b.run(chromedp.KeyEvent("b"))
	time.Sleep(150 * time.Millisecond)
	b.scan("0100300027597010\x1d10LOT1")
	if v := evalIn[string](b, `document.getElementById('username').value`); v != "ab" {
		t.Fatalf("after a scan the focused field holds %q, want what was typed by hand (ab)", v)
	}
	if kind, _ := b.feedback(); kind != "info" {
		t.Fatalf("a scan on a screen that takes none gave feedback %q", kind)
	}
	// The keys typed by hand were not taken for a scan; the burst was.
	if n := evalIn[int](b, `window.laminarTimings.scanFeedback.length`); n != 1 {
		t.Fatalf("%d scans seen, want 1", n)
	}
	b.open("/tablet")
	if p := b.path(); p != "/login?next=%2Ftablet" {
		t.Fatalf("an unauthenticated visit to /tablet landed on %s, want the login page", p)
	}
}
