package e2e_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// wedge types data as a keyboard-wedge scanner does: keystrokes 4 ms apart
// by their own timestamps, the GS1 separator as Ctrl+], then Enter. The
// keys carry the times a scanner would give them, so a test process slowed
// by a busy machine delivers them late but never turns a scan into typing.
func wedge(data string) chromedp.Action[chromedp.Void] {
	t := time.Now()
	var acts []chromedp.Action[chromedp.Void]
	key := func(k string, opts ...chromedp.KeyOption) {
		at := input.TimeSinceEpoch(float64(t.UnixMicro()) / 1e6)
		opts = append(opts, func(p *input.DispatchKeyEventParams) { p.Timestamp = at })
		acts = append(acts, chromedp.KeyEvent(k, opts...))
		t = t.Add(4 * time.Millisecond)
	}
	for i, part := range strings.Split(data, "\x1d") {
		if i > 0 {
			key("]", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		}
		for _, r := range part {
			key(string(r))
		}
	}
	key("\r")
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for _, a := range acts {
			if _, err := a(ctx, tg); err != nil {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, nil
	}
}

// scan types data as a wedge scanner (see wedge) and returns how long the
// screen took from the Enter to its feedback.
func (b *browser) scan(data string) float64 {
	b.t.Helper()
	before := evalIn[int](b, `(window.laminarTimings || {scanFeedback: []}).scanFeedback.length`)
	b.run(wedge(data))
	b.waitFor("the scan's feedback", fmt.Sprintf(`window.laminarTimings.scanFeedback.length > %d`, before), 10*time.Second)
	return evalIn[float64](b, `window.laminarTimings.scanFeedback[window.laminarTimings.scanFeedback.length - 1]`)
}

// offline cuts or restores the browser's network, as a Wi-Fi drop does.
func (b *browser) offline(off bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}})
	if err != nil {
		b.t.Fatalf("%s: network emulation: %v", b.name, err)
	}
}

// tap clicks a visible element, as a gloved finger would.
func (b *browser) tap(sel string) {
	b.t.Helper()
	// A live screen swaps its region for a current copy when its event
	// stream opens (it says "Live" once it has) and on every event after
	// (the region is aria-busy meanwhile): a tap then could land on a node
	// being replaced.
	b.waitFor("a current screen", `(() => { const s = document.getElementById('live-state');
		return (!s || s.textContent === 'Live') && !document.querySelector('[aria-busy="true"]') })()`, 10*time.Second)
	// Bring the target to the middle of the screen first, as a person
	// scrolls to see what they tap: the feedback banner stays on top.
	b.run(chromedp.WaitVisible(chromedp.CSS(sel)))
	evalIn[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: 'center'})`, sel))
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return evalIn[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel))
}

func (b *browser) loginPassword(user string) {
	b.t.Helper()
	b.open("/login?mode=password")
	b.run(
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), "demo-"+user),
		chromedp.Click(chromedp.CSS(`button[type=submit].big`)),
	)
	b.waitFor("the first screen after login", `!location.pathname.startsWith('/login') && document.readyState === 'complete'`, 10*time.Second)
}

// feedbackKind is "ok", "bad" or "info" for the feedback now shown.
func (b *browser) feedback() (kind, text string) {
	return evalIn[string](b, `(() => { const f = document.getElementById('feedback'); return f && !f.hidden ? f.dataset.kind : ''; })()`),
		b.text("#feedback")
}

func photoFile(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 180, 255})
		}
	}
	file := filepath.Join(t.TempDir(), "syringe.jpg")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestCleanroomFlow is one standard preparation from badge login to the
// safety officer's log, in two browsers at once.
func TestCleanroomFlow(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	api := login(t, base, "pharm2")

	pharm := pharmacistKeepsTheQueueOpen(t, base, r)
	tech := technicianBadgesIn(t, base, r)
	c := &cleanroomRun{t: t, r: r, api: api, tech: tech, prepID: theStatCefazolinIsFirst(t, api, tech)}
	c.claim()
	c.readTheWorksheet()
	c.aWrongVialIsRefused()
	c.theRightBagAndVials()
	c.theRemainingSteps()
	c.completedWithTheInspectionSavedOnce(base)
	pharmacistVerifiesLive(t, pharm, r, api, c.prepID)
	c.releaseByScanningTheLabel()
	safetyOfficerSeesTheLog(t, base, r, c.prepID)
	adminScreens(t, base, r)
}

// cleanroomRun is the technician's side of TestCleanroomFlow: the
// preparation, what its worksheet expects scanned, and the taps and scans
// counted for the report.
type cleanroomRun struct {
	t      *testing.T
	r      *report
	api    *apiClient
	tech   *browser
	prepID int64

	bag, vial, wrong product // the right bag and vial, and a wrong vial
	waterIDs         []int64 // the water that dissolves the powder
	vialCount        int

	taps, scans int
}

// tap taps sel on the technician's tablet and counts the tap.
func (c *cleanroomRun) tap(sel string) { c.tech.tap(sel); c.taps++ }

// pharmacistKeepsTheQueueOpen: the pharmacist opens the verification queue
// first and keeps it open, live.
func pharmacistKeepsTheQueueOpen(t *testing.T, base string, r *report) *browser {
	pharm := newBrowser(t, "pharmacist", base)
	pharm.loginPassword("pharm1")
	if p := pharm.path(); p != "/verify" {
		t.Fatalf("the pharmacist landed on %s, want /verify", p)
	}
	pharm.waitFor("the live connection", `document.getElementById('live-state').textContent === 'Live'`, 10*time.Second)
	evalIn[bool](pharm, `window.noReload = true`)
	pharm.screen(r, "verify-queue-empty")
	return pharm
}

// technicianBadgesIn: the technician logs in by badge and PIN.
func technicianBadgesIn(t *testing.T, base string, r *report) *browser {
	tech := newBrowser(t, "technician", base)
	tech.open("/login")
	tech.screen(r, "login-badge")
	tech.scan("TECH1")
	if v := evalIn[string](tech, `document.getElementById('badge').value`); v != "TECH1" {
		t.Fatalf("the badge scan filled %q", v)
	}
	for _, k := range "2468" {
		tech.tap(fmt.Sprintf(`[data-keypad] button[data-key="%c"]`, k))
	}
	tech.tap(`#badge-login button[type=submit]`)
	tech.waitFor("the queue", `location.pathname === '/tablet'`, 10*time.Second)
	tech.screen(r, "queue")
	return tech
}

// theStatCefazolinIsFirst finds the STAT cefazolin, first in the queue with
// its STAT badge, and returns its preparation.
func theStatCefazolinIsFirst(t *testing.T, api *apiClient, tech *browser) int64 {
	var prepID int64
	for _, it := range api.queue() {
		if strings.Contains(strings.ToLower(it.Drug), "cefazolin") && it.Priority == "stat" {
			prepID = it.ID
			break
		}
	}
	if prepID == 0 {
		t.Fatal("no STAT cefazolin in the demo queue")
	}
	if first := evalIn[string](tech, `document.querySelector('.qcard .drug').textContent`); first != "ceFAZolin" {
		t.Errorf("the first card is %q, want the STAT ceFAZolin", first)
	}
	if !strings.Contains(tech.text(".qcard.stat .badge.stat"), "STAT") {
		t.Error("the STAT card has no STAT badge")
	}
	return prepID
}

// claim claims the preparation and opens its first step, the scans.
func (c *cleanroomRun) claim() {
	t, r, tech, prepID := c.t, c.r, c.tech, c.prepID
	c.tap(fmt.Sprintf(`form[action="/tablet/prep/%d/claim"] button`, prepID))
	tech.waitFor("the guided preparation", fmt.Sprintf(`location.pathname === '/tablet/prep/%d'`, prepID), 10*time.Second)
	tech.screen(r, "prep-scan")
	tech.plainWords("prep-scan")
	if got := tech.text(".step:not([hidden]) .scan-progress"); !strings.Contains(got, "Scanned 0 of") {
		t.Errorf("the scan step's card does not count the containers scanned: %q", got)
	}
}

// readTheWorksheet reads from the worksheet the products the scan steps
// expect (bag, vials, the water) and picks a wrong vial.
func (c *cleanroomRun) readTheWorksheet() {
	t, api, prepID := c.t, c.api, c.prepID
	doc := api.prep(prepID)
	var bagIDs, vialIDs []int64
	c.vialCount = 1
	for _, s := range doc.Steps {
		switch {
		case s.Kind == "scan_diluent" && s.Of != "":
			c.waterIDs = s.Expects.ProductIDs
		case s.Kind == "scan_diluent":
			bagIDs = s.Expects.ProductIDs
		case s.Kind == "scan_vial":
			vialIDs = s.Expects.ProductIDs
			c.vialCount = max(s.Expects.Count, 1)
		}
	}
	if len(c.waterIDs) == 0 {
		t.Fatalf("the cefazolin worksheet does not scan the water that dissolves it: %+v", doc.Steps)
	}
	if len(bagIDs) == 0 || len(vialIDs) == 0 {
		t.Fatalf("the worksheet has no scan steps with products: %+v", doc.Steps)
	}
	c.bag, c.vial = api.product(bagIDs[0]), api.product(vialIDs[0])
	for _, p := range api.products("ceftriaxone") {
		if p.Container == "single_dose" {
			c.wrong = p
			break
		}
	}
	if c.wrong.ID == 0 {
		t.Fatal("no ceftriaxone vial in the demo formulary")
	}
}

// aWrongVialIsRefused: a wrong vial while the bag is expected is refused in
// red, in plain words, and nothing is accepted.
func (c *cleanroomRun) aWrongVialIsRefused() {
	t, r, api, tech, prepID := c.t, c.r, c.api, c.tech, c.prepID
	ms := tech.scan(gs1(c.wrong.unitGTIN(), "301231", "W1", "S1"))
	r.Scans = append(r.Scans, ms)
	c.scans++
	if kind, text := tech.feedback(); kind != "bad" || !strings.Contains(text, "STOP") {
		t.Fatalf("a wrong vial gave feedback %q %q, want red", kind, text)
	}
	tech.screen(r, "prep-scan-refused")
	tech.plainWords("prep-scan-refused")
	if _, text := tech.feedback(); strings.Contains(text, "Refused (") || !strings.Contains(text, "Put it aside") {
		t.Errorf("the refusal is not in plain words with what to do next: %q", text)
	}
	tech.run(chromedp.EmulateViewport(800, 1280))
	if !evalIn[bool](tech, `(() => { const b = document.querySelector('#feedback .fb-close'), r = b.getBoundingClientRect();
		return b.scrollWidth <= b.clientWidth + 1 && r.right <= innerWidth; })()`) {
		t.Error("in portrait the Dismiss button's word overflows it")
	}
	tech.run(chromedp.EmulateViewport(1280, 800))
	for _, s := range api.prep(prepID).Scans {
		if s.Accepted {
			t.Fatal("the wrong vial was recorded as accepted")
		}
	}
}

// theRightBagAndVials scans the right bag and vials; the wedge's GS1
// separator keeps the lot and serial apart.
func (c *cleanroomRun) theRightBagAndVials() {
	t, r, api, tech, prepID := c.t, c.r, c.api, c.tech, c.prepID
	ms := tech.scan(gs1(c.bag.unitGTIN(), "301231", "B77", ""))
	r.Scans = append(r.Scans, ms)
	c.scans++
	if kind, text := tech.feedback(); kind != "ok" {
		t.Fatalf("the bag scan gave %q %q", kind, text)
	}
	for i := 0; i < c.vialCount; i++ {
		ms = tech.scan(gs1(c.vial.unitGTIN(), "301231", "A123", fmt.Sprintf("SN%d", i+1)))
		r.Scans = append(r.Scans, ms)
		c.scans++
		if kind, text := tech.feedback(); kind != "ok" {
			t.Fatalf("vial scan %d gave %q %q", i+1, kind, text)
		}
		if i+1 < c.vialCount {
			if got := tech.text(".step:not([hidden]) .scan-progress"); !strings.Contains(got, fmt.Sprintf("Scanned %d of %d", i+1, c.vialCount)) {
				t.Errorf("after vial %d the card says %q", i+1, got)
			}
		}
	}
	tech.screen(r, "prep-scan-accepted")
	// The wedge typed the GS1 separator as Ctrl+]: the lot and the serial
	// after it arrived as two fields.
	serials := map[string]bool{}
	for _, s := range api.prep(prepID).Scans {
		if s.Accepted && s.StepID != "" && s.Serial != "" {
			if s.Lot != "A123" {
				t.Errorf("vial scan recorded lot %q, want A123 (the separator was lost)", s.Lot)
			}
			serials[s.Serial] = true
		}
	}
	if len(serials) != c.vialCount {
		t.Errorf("serials recorded %v, want %d distinct", serials, c.vialCount)
	}
}

// theRemainingSteps makes the remaining steps, each as it comes, up to the
// label: the water scan, a typed weight, photos, and an inspection saved
// across a dropped connection.
func (c *cleanroomRun) theRemainingSteps() {
	t, r, api, tech := c.t, c.r, c.api, c.tech
	photo := photoFile(t)
	shot := map[string]bool{}
	for guard := 0; guard < 20; guard++ {
		kind := evalIn[string](tech, `(document.querySelector('.step:not([hidden])') || {dataset: {}}).dataset.kind || ''`)
		step := evalIn[string](tech, `(document.querySelector('.step:not([hidden])') || {dataset: {}}).dataset.step || ''`)
		if !shot[kind] && kind != "" {
			shot[kind] = true
			tech.screen(r, "prep-"+kind)
		}
		switch kind {
		case "scan":
			// The sterile water that dissolves the powder is scanned too.
			ms := tech.scan(gs1(api.product(c.waterIDs[0]).unitGTIN(), "301231", "SW1", ""))
			r.Scans = append(r.Scans, ms)
			c.scans++
			if k, text := tech.feedback(); k != "ok" {
				t.Fatalf("the water scan gave %q %q", k, text)
			}
		case "weight":
			// At 1280×800 the keypad and its button are on screen with the step.
			if !tech.inView(`.step:not([hidden]) [data-keypad] button, .step:not([hidden]) .record-weight`) {
				t.Error("the weigh keypad or its button is below the fold at 1280×800")
			}
			want := evalIn[string](tech, `document.querySelector('.step:not([hidden]) .qty').textContent`)
			num := strings.TrimSuffix(strings.TrimSpace(want), " g")
			for _, ch := range num {
				c.tap(fmt.Sprintf(`.step:not([hidden]) [data-keypad] button[data-key="%c"]`, ch))
			}
			// No balance at this hood: the weight is typed, with a reason.
			tech.run(chromedp.SendKeys(chromedp.CSS(`.step:not([hidden]) .weigh input[name=reason]`), "No balance at this hood"))
			c.tap(`.step:not([hidden]) .record-weight`)
		case "manual":
			if evalIn[bool](tech, `!!document.querySelector('.step:not([hidden]) .photo-input')`) {
				// The photo is the big, obvious button; going without one is small.
				if !evalIn[bool](tech, `(() => { const s = document.querySelector('.step:not([hidden])');
					const take = s.querySelector('.file-pick').getBoundingClientRect(), skip = s.querySelector('.mark-done').getBoundingClientRect();
					return take.height > skip.height && take.width * take.height > 1.5 * skip.width * skip.height; })()`) {
					t.Error("'Done without a photo' is as big as 'Take photo'")
				}
				c.taps++ // the tap on "Take photo" that opens the camera
				tech.run(chromedp.SetUploadFiles(chromedp.CSS(`.step:not([hidden]) .photo-input`), []string{photo}))
				tech.waitFor("the photo shown back", `!document.querySelector('.step:not([hidden]) .photo-preview').hidden`, 5*time.Second)
				tech.screen(r, "prep-photo-check")
				if !tech.inView(`.step:not([hidden]) .use-photo`) {
					t.Error("the photo's confirm button is below the fold at 1280×800")
				}
				c.tap(`.step:not([hidden]) .use-photo`)
			} else if step == "inspect" {
				// The Wi-Fi drops as the technician taps: the tablet shows it is
				// retrying, and once the connection is back the step is saved
				// once, with the same Idempotency-Key.
				tech.offline(true)
				c.tap(`.step:not([hidden]) .mark-done`)
				tech.waitFor("the retrying state", `document.getElementById('save-state').textContent.indexOf('retrying') >= 0`, 10*time.Second)
				tech.screen(r, "prep-offline-retrying")
				tech.offline(false)
			} else {
				c.tap(`.step:not([hidden]) .mark-done`)
			}
		case "photo":
			c.taps++
			tech.run(chromedp.SetUploadFiles(chromedp.CSS(`.step:not([hidden]) .photo-input`), []string{photo}))
			c.tap(`.step:not([hidden]) .use-photo`)
		case "complete":
			c.tap(`#complete`)
		case "label":
			guard = 99
			continue
		default:
			t.Fatalf("unexpected step kind %q", kind)
		}
		tech.waitFor("the next step or a refusal", fmt.Sprintf(`(document.querySelector('.step:not([hidden])') || {dataset: {}}).dataset.step !== %q
			|| document.getElementById('feedback').dataset.kind === 'bad'`, step), 10*time.Second)
		if fk, text := tech.feedback(); fk == "bad" {
			t.Fatalf("step %s (%s): %s", step, kind, text)
		}
	}
}

// completedWithTheInspectionSavedOnce: the step saved across the dropped
// connection is logged once, the label shows, and the preparation is
// completed.
func (c *cleanroomRun) completedWithTheInspectionSavedOnce(base string) {
	t, r, api, tech, prepID := c.t, c.r, c.api, c.tech, c.prepID
	var done struct {
		Events []struct {
			Payload struct {
				StepID string `json:"step_id"`
			} `json:"payload"`
		} `json:"events"`
	}
	login(t, base, "safety1").call("GET", fmt.Sprintf("/api/v1/audit?preparation_id=%d&type=preparation.step_done", prepID), nil, &done)
	inspected := 0
	for _, e := range done.Events {
		if e.Payload.StepID == "inspect" {
			inspected++
		}
	}
	if inspected != 1 {
		t.Fatalf("the step saved across the dropped connection was recorded %d times, want once", inspected)
	}
	tech.waitFor("the label", `!document.getElementById('label-frame').hidden && document.getElementById('label-frame').contentDocument && document.getElementById('label-frame').contentDocument.readyState === 'complete'`, 10*time.Second)
	tech.screen(r, "prep-label")
	r.Taps, r.ScansN = c.taps, c.scans
	if got := api.prep(prepID).Status; got != "completed" {
		t.Fatalf("after the last step the preparation is %s", got)
	}
}

// pharmacistVerifiesLive: the pharmacist's queue shows the preparation
// without a reload, the evidence page shows what was done with the decision
// in view, and the pharmacist approves it.
func pharmacistVerifiesLive(t *testing.T, pharm *browser, r *report, api *apiClient, prepID int64) {
	pharm.waitFor("the completed preparation in the live queue", fmt.Sprintf(`!!document.querySelector('[data-prep="%d"]')`, prepID), 10*time.Second)
	if !evalIn[bool](pharm, `window.noReload === true`) {
		t.Fatal("the verification queue reloaded the page instead of updating live")
	}
	pharm.screen(r, "verify-queue")
	pharm.tap(fmt.Sprintf(`[data-prep="%d"] a.btn`, prepID))
	pharm.waitFor("the evidence page", fmt.Sprintf(`location.pathname === '/verify/%d'`, prepID), 10*time.Second)
	pharm.screen(r, "verify-evidence")
	pharm.plainWords("verify-evidence")
	if evalIn[bool](pharm, `!!document.querySelector('input[name=decision]:checked')`) {
		t.Error("the evidence page chose a decision for the pharmacist")
	}
	if !evalIn[bool](pharm, `!!document.querySelector('iframe.label-view')`) {
		t.Error("the evidence page does not show the label")
	}
	for _, where := range []string{"document.body.scrollHeight", "0"} {
		evalIn[bool](pharm, `(window.scrollTo(0, `+where+`), true)`)
		if !pharm.inView(`.decide button[type=submit]`) {
			t.Errorf("the decision is out of view when scrolled to %s", where)
		}
	}
	pharm.run(chromedp.EmulateViewport(800, 1280))
	evalIn[bool](pharm, `(window.scrollTo(0, document.body.scrollHeight / 3), true)`)
	if !pharm.inView(`.decide button[type=submit]`) {
		t.Error("in portrait the decision is out of view mid-page")
	}
	pharm.run(chromedp.EmulateViewport(1280, 800))
	// The step photo is shown (lazily, so scrolled to) and really loads.
	pharm.waitFor("the photo thumbnail", `!!document.querySelector('.photos img')`, 10*time.Second)
	evalIn[bool](pharm, `(document.querySelector('.photos img').scrollIntoView(), true)`)
	pharm.waitFor("the photo loaded", `(() => { const i = document.querySelector('.photos img'); return i.complete && i.naturalWidth > 0 })()`, 10*time.Second)
	if n := evalIn[int](pharm, `document.querySelectorAll('tr.refused').length`); n < 1 {
		t.Error("the evidence does not show the refused scan")
	}
	// The weight typed on the keypad is marked typed, with its reason.
	if !evalIn[bool](pharm, `(() => { const s = document.querySelector('.typed-entries'); return !!s && s.textContent.indexOf('No balance at this hood') >= 0 })()`) {
		t.Error("the evidence page does not mark the typed weight with its reason")
	}
	evalIn[bool](pharm, `(document.querySelector('.typed-entries').scrollIntoView(), true)`)
	pharm.screen(r, "verify-typed-entry")
	pharm.tap(`input[name=decision][value=approve]`)
	pharm.run(chromedp.SendKeys(chromedp.CSS("#pin"), "2468"))
	pharm.tap(`.decide button[type=submit]`)
	pharm.waitFor("the queue after approval", `location.pathname === '/verify'`, 10*time.Second)
	if got := api.prep(prepID).Status; got != "verified" {
		t.Fatalf("after approval the preparation is %s", got)
	}
}

// releaseByScanningTheLabel: the technician releases the preparation by
// scanning its label on the queue screen.
func (c *cleanroomRun) releaseByScanningTheLabel() {
	t, api, tech, prepID := c.t, c.api, c.tech, c.prepID
	tech.open("/tablet")
	tech.waitFor("the live queue", `document.getElementById('live-state').textContent === 'Live'`, 10*time.Second)
	label := api.prep(prepID).LabelData
	if label == "" {
		t.Fatal("no label was issued")
	}
	tech.scan(label)
	if kind, text := tech.feedback(); kind != "ok" {
		t.Fatalf("releasing by label scan gave %q %q", kind, text)
	}
	if got := api.prep(prepID).Status; got != "released" {
		t.Fatalf("after the label scan the preparation is %s", got)
	}
}

// safetyOfficerSeesTheLog: the safety officer sees the events and the charts.
func safetyOfficerSeesTheLog(t *testing.T, base string, r *report, prepID int64) {
	safety := newBrowser(t, "safety officer", base)
	safety.loginPassword("safety1")
	if p := safety.path(); p != "/log" {
		t.Fatalf("the safety officer landed on %s", p)
	}
	if !evalIn[bool](safety, `document.querySelectorAll('.chart svg rect').length > 0`) {
		t.Error("the log has no chart bars")
	}
	body := safety.text("main")
	for _, want := range []string{fmt.Sprintf("#%d", prepID), "Chain intact"} {
		if !strings.Contains(body, want) {
			t.Errorf("the log page lacks %q", want)
		}
	}
	safety.screen(r, "log")
}

// adminScreens shoots the admin's lists and forms for the report.
func adminScreens(t *testing.T, base string, r *report) {
	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")
	for _, p := range []struct{ path, name string }{{"/admin/products", "admin-products"}, {"/admin/recipes", "admin-recipes"}, {"/admin/users", "admin-users"}, {"/admin/users/new", "admin-user-form"}} {
		admin.open(p.path)
		admin.screen(r, p.name)
	}
}
