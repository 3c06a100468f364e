package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// plainWords fails when the page's visible text shows a code
// (snake_case, as the server's refusal codes and kinds are written) or a
// number beyond display precision (more than four decimals).
func (b *browser) plainWords(where string) {
	b.t.Helper()
	bad := evalIn[[]string](b, `(() => {
		const text = document.body.innerText;
		const out = [];
		for (const m of text.matchAll(/\b[a-z]+(?:_[a-z0-9]+)+\b/g)) out.push('code ' + m[0]);
		for (const m of text.matchAll(/\d+\.\d{5,}/g)) out.push('number ' + m[0]);
		return out.slice(0, 5);
	})()`)
	for _, s := range bad {
		b.t.Errorf("%s, %s: the page shows the %s", b.name, where, s)
	}
}

// inView reports whether every element matching sel lies within the
// viewport as it is now (no scrolling).
func (b *browser) inView(sel string) bool {
	b.t.Helper()
	return evalIn[bool](b, fmt.Sprintf(`(() => { const els = [...document.querySelectorAll(%q)].filter(e => e.offsetParent);
		return els.length > 0 && els.every(e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight + 1; }); })()`, sel))
}

// TestScreensAtScale: with 2,000 preparations queued the technician's queue
// stays a window under the page budget with the next due first; a wrong PIN
// says in large words how many tries are left; Sign in sits under the
// keypad in portrait, with an Enter key on it; another badge scanned on the
// queue switches user.
func TestScreensAtScale(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	var ids []int64
	err := a.Store.DB.Select(&ids, `
WITH src AS (SELECT p.id, p.order_id FROM preparations p WHERE p.status = 'queued' ORDER BY p.id LIMIT 1),
new_orders AS (
  INSERT INTO orders (patient_mrn, patient_name, patient_birth_date, patient_location, drug, dose_value, dose_unit,
                      route, diluent, final_volume_value, final_volume_unit, due_at, priority)
  SELECT o.patient_mrn, o.patient_name, o.patient_birth_date, 'Ward ' || (g % 12), o.drug, o.dose_value, o.dose_unit,
         o.route, o.diluent, o.final_volume_value, o.final_volume_unit, now() - interval '1 hour' + g * interval '1 minute', 'routine'
  FROM orders o, src, generate_series(1, 2000) g WHERE o.id = src.order_id
  RETURNING id)
INSERT INTO preparations (order_id, recipe_id, status, batch_key, worksheet)
SELECT n.id, p.recipe_id, 'queued', p.batch_key || '-' || n.id, p.worksheet
FROM new_orders n, preparations p, src WHERE p.id = src.id
RETURNING id`)
	if err != nil || len(ids) != 2000 {
		t.Fatalf("seed 2,000 preparations: %d, %v", len(ids), err)
	}

	tech := newBrowser(t, "technician", base)
	tech.open("/login")
	tech.scan("TECH1")
	for _, k := range "1111" {
		tech.tap(fmt.Sprintf(`[data-keypad] button[data-key="%c"]`, k))
	}
	tech.tap(`#badge-login .enter-key`)
	tech.waitFor("the wrong-PIN answer", `!!document.getElementById('login-error')`, 10*time.Second)
	msg := tech.text("#login-error")
	if !strings.Contains(msg, "4 tries left") {
		t.Errorf("a wrong PIN says %q, want the tries left", msg)
	}
	if px := evalIn[float64](tech, `parseFloat(getComputedStyle(document.getElementById('login-error')).fontSize)`); px < 24 {
		t.Errorf("the wrong-PIN message is %.0f px, want large (24 px or more)", px)
	}
	tech.plainWords("login-wrong-pin")
	tech.screen(r, "login-wrong-pin")
	tech.run(chromedp.EmulateViewport(800, 1280))
	if !evalIn[bool](tech, `(() => { const k = document.querySelector('#badge-login .keypad').getBoundingClientRect(),
		s = document.querySelector('#badge-login .sign-in').getBoundingClientRect(); return s.top >= k.bottom; })()`) {
		t.Error("in portrait the Sign in button is not under the keypad")
	}
	tech.run(chromedp.EmulateViewport(1280, 800))

	tech.scan("TECH1")
	for _, k := range "2468" {
		tech.tap(fmt.Sprintf(`[data-keypad] button[data-key="%c"]`, k))
	}
	tech.waitFor("the PIN typed", `document.getElementById('pin').value === '2468' && document.getElementById('badge').value === 'TECH1'`, 5*time.Second)
	tech.tap(`#badge-login .enter-key`)
	tech.waitFor("the queue", `location.pathname === '/tablet'`, 10*time.Second)
	start := time.Now()
	tech.open("/tablet")
	took := time.Since(start)
	tech.waitFor("the live queue", `document.getElementById('live-state').textContent === 'Live'`, 10*time.Second)
	tech.screen(r, "queue-2000")
	tech.plainWords("queue-2000")
	w := r.Weights["queue-2000"]
	r.Notes = append(r.Notes, fmt.Sprintf("queue with 2,000 queued: %d bytes cold, opened in %s", w.Cold, took.Round(time.Millisecond)))
	if !evalIn[bool](tech, fmt.Sprintf(`!!document.querySelector('[data-prep="%d"]')`, ids[0])) {
		t.Error("the next-due preparation is not on the first page")
	}
	if evalIn[bool](tech, fmt.Sprintf(`!!document.querySelector('[data-prep="%d"]')`, ids[len(ids)-1])) {
		t.Error("the last-due preparation is on the first page")
	}
	if !strings.Contains(tech.text("main"), "OVERDUE") {
		t.Error("no overdue alarm in words")
	}
	// The filter applies on choosing it, and the live region keeps it.
	evalIn[bool](tech, `(() => { const s = document.getElementById('f-priority'); s.value = 'stat'; s.dispatchEvent(new Event('change')); return true; })()`)
	tech.waitFor("the STAT filter", `location.search.indexOf('priority=stat') >= 0 && document.readyState === 'complete'`, 10*time.Second)
	if evalIn[bool](tech, `!!document.querySelector('.qcard.routine')`) {
		t.Error("the STAT filter shows a routine preparation")
	}

	// Another badge scanned on the queue switches user.
	tech.open("/tablet")
	// Typed as a wedge does; the page leaves for the sign-in, so no
	// feedback timing is waited for here.
	tech.run(wedge("TECH2"))
	tech.waitFor("the switch to the badge's sign-in", `location.pathname === '/login' && (document.getElementById('badge') || {}).value === 'TECH2'`, 10*time.Second)
	tech.screen(r, "login-switch")
	for _, k := range "2468" {
		tech.tap(fmt.Sprintf(`[data-keypad] button[data-key="%c"]`, k))
	}
	tech.tap(`#badge-login .enter-key`)
	tech.waitFor("back on the queue as tech2", `location.pathname === '/tablet' && ((document.querySelector('.who .name') || {}).textContent || '').indexOf('tech2') >= 0`, 10*time.Second)
}
