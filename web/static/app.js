// Laminar's browser code: plain JavaScript, no libraries, no build step.
// Pages are rendered on the server; this file adds what a cleanroom tablet
// needs: scanner capture, instant feedback with sound, keypads, countdowns,
// idempotent saving that survives a flaky connection, and live updates.
(function () {
  'use strict';

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var csrfMeta = $('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : '';
  // Measurements the browser tests read: milliseconds from a scan's Enter
  // to its feedback on screen.
  var timings = window.laminarTimings = { scanFeedback: [] };

  // ---------------------------------------------------------------- sound
  var audio = null;
  function audioContext() {
    var C = window.AudioContext || window.webkitAudioContext;
    if (!C) { return null; }
    if (!audio) { audio = new C(); }
    if (audio.state === 'suspended') { audio.resume().catch(function () {}); }
    return audio;
  }
  // A short high beep for "accepted", two low buzzes for "refused": the
  // technician hears the verdict without looking up from the hood.
  function beep(ok) {
    var a;
    try { a = audioContext(); } catch (e) { return; }
    if (!a) { return; }
    var tones = ok ? [[880, 0, 0.12]] : [[220, 0, 0.18], [180, 0.24, 0.3]];
    tones.forEach(function (t) {
      var o = a.createOscillator(), g = a.createGain(), at = a.currentTime + t[1];
      o.type = ok ? 'sine' : 'square';
      o.frequency.value = t[0];
      g.gain.setValueAtTime(0.0001, at);
      g.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
      g.gain.exponentialRampToValueAtTime(0.0001, at + t[2]);
      o.connect(g); g.connect(a.destination);
      o.start(at); o.stop(at + t[2] + 0.02);
    });
  }

  // ------------------------------------------------------------- feedback
  var ICONS = {
    ok: '<svg viewBox="0 0 48 48" aria-hidden="true"><circle cx="24" cy="24" r="22" fill="#fff"/><path d="M13 25l7 7 15-16" fill="none" stroke="#0b6b2e" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    bad: '<svg viewBox="0 0 48 48" aria-hidden="true"><circle cx="24" cy="24" r="22" fill="#fff"/><path d="M15 15l18 18M33 15L15 33" stroke="#b3261e" stroke-width="6" stroke-linecap="round"/></svg>',
    info: '<svg viewBox="0 0 48 48" aria-hidden="true"><circle cx="24" cy="24" r="22" fill="#fff"/><path d="M24 21v14" stroke="#1e3a8a" stroke-width="6" stroke-linecap="round"/><circle cx="24" cy="13" r="3.5" fill="#1e3a8a"/></svg>'
  };
  var WORD = { ok: 'OK', bad: 'STOP', info: 'Note' };
  var fbTimer = 0, scanAt = 0;
  // feedback shows a full-width verdict: colour, icon and words together,
  // never colour alone. Green fades after a while; red stays until the
  // next action, because a refusal must be read.
  function feedback(kind, title, detail) {
    var el = $('#feedback');
    if (!el) { return; }
    el.className = 'feedback ' + kind;
    el.innerHTML = ICONS[kind] + '<div class="fb-text"><span class="fb-title"></span><span class="fb-detail"></span></div>' +
      '<button type="button" class="fb-close">Dismiss</button>';
    $('.fb-title', el).textContent = WORD[kind] + ' — ' + title;
    $('.fb-detail', el).textContent = detail || '';
    el.hidden = false;
    el.dataset.kind = kind;
    $('.fb-close', el).onclick = function () { el.hidden = true; };
    if (scanAt) {
      // The verdict of a scan is on screen: record how long it took.
      timings.scanFeedback.push(performance.now() - scanAt);
      scanAt = 0;
    }
    clearTimeout(fbTimer);
    // A calm answer settles after a while instead of vanishing: the banner
    // keeps its place, so nothing under a gloved finger moves up the moment
    // it goes (a tap aimed at a button would land on the one below).
    if (kind === 'ok' || kind === 'info') { fbTimer = setTimeout(function () { el.classList.add('settled'); }, 8000); }
    if (kind !== 'info') { beep(kind === 'ok'); }
  }
  window.laminarFeedback = feedback;

  // expiryDate shows an expiry as the vial prints it: the day it ends, in
  // the site's time zone (not the tablet's, not UTC).
  function expiryDate(iso) {
    var t = Date.parse(iso) - 1;
    try {
      return new Intl.DateTimeFormat('en-CA', { timeZone: document.body.dataset.tz || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
    } catch (e) { return String(iso).slice(0, 10); }
  }

  // ------------------------------------------------------ saving / saved
  function saveState(state, n) {
    var el = $('#save-state');
    if (!el) { return; }
    el.className = 'save-state' + (state === 'retrying' ? ' retrying' : '');
    el.textContent = { saving: 'Saving…', saved: 'Saved ✓', retrying: 'Connection lost — retrying (' + n + ')…', failed: 'Not saved — check the connection', '': '' }[state] || '';
    if (state === 'saved') { setTimeout(function () { if (el.textContent === 'Saved ✓') { el.textContent = ''; } }, 2500); }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // The action in flight is kept in sessionStorage with its Idempotency-Key
  // until the server answers, so a reload or a crash of the page replays it
  // with the same key: the server does it once, and nothing acknowledged or
  // half-sent is lost.
  var PENDING = 'laminar.pending';
  function pendingList() {
    try { return JSON.parse(sessionStorage.getItem(PENDING) || '[]'); } catch (e) { return []; }
  }
  function setPending(list) {
    try { sessionStorage.setItem(PENDING, JSON.stringify(list)); } catch (e) { /* private mode: in-memory retry still works */ }
  }

  // api sends a request with the session cookie, the CSRF header and an
  // Idempotency-Key, retrying network failures and 5xx answers with the
  // same key. It resolves with {ok, status, body} for any definite answer.
  function api(method, url, body, opts) {
    opts = opts || {};
    var key = opts.key || newKey();
    var json = body !== undefined && !(body instanceof Blob) && !(body instanceof FormData);
    // A body with a secret in it (a witness's PIN) is never kept in storage.
    var keep = json && method !== 'GET' && !opts.secret;
    if (keep) {
      setPending(pendingList().concat([{ method: method, url: url, body: body, key: key }]));
    }
    var attempt = 0;
    if (method !== 'GET') { saveState('saving'); }
    return new Promise(function (resolve, reject) {
      function done() {
        if (keep) { setPending(pendingList().filter(function (p) { return p.key !== key; })); }
      }
      function go() {
        attempt++;
        var headers = { 'Accept': 'application/json', 'X-CSRF-Token': csrf };
        if (method !== 'GET') { headers['Idempotency-Key'] = key; }
        var init = { method: method, headers: headers, credentials: 'same-origin' };
        if (json) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); } else if (body !== undefined) {
          init.body = body;
          if (body instanceof Blob && body.type) { headers['Content-Type'] = body.type; }
        }
        fetch(url, init).then(function (res) {
          if (res.status >= 500 || res.status === 429 || res.status === 408) {
            var err = new Error('HTTP ' + res.status); err.retry = true; throw err;
          }
          return res.text().then(function (text) {
            var parsed = null;
            try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
            done();
            if (method !== 'GET') { saveState(res.ok ? 'saved' : ''); }
            if (res.status === 401) {
              feedback('bad', 'Your session has ended', 'Sign in again; nothing you saved is lost.');
              setTimeout(function () { location.href = '/login?next=' + encodeURIComponent(location.pathname); }, 2500);
            }
            resolve({ ok: res.ok, status: res.status, body: parsed });
          });
        }).catch(function (err) {
          if (attempt >= (opts.tries || 10)) { saveState('failed'); reject(err); return; }
          saveState('retrying', attempt);
          setTimeout(go, Math.min(8000, 300 * Math.pow(2, attempt - 1)));
        });
      }
      go();
    });
  }
  window.laminarAPI = api;

  function errorOf(r) {
    var e = (r.body && r.body.error) || {};
    return { code: e.code || ('http_' + r.status), message: e.message || 'The server refused this (' + r.status + ').' };
  }

  // -------------------------------------------------------------- scanner
  // A keyboard-wedge scanner types fast: keystrokes a few milliseconds
  // apart, ending in Enter. Such a burst is taken as a scan wherever focus
  // is; whatever it typed into a focused field is put back as it was, so a
  // scan never lands in the wrong field. Accepted as the GS1 separator
  // (FNC1): the GS character itself (U+001D), Ctrl+] (how most wedges type
  // ASCII 29), and the visible symbol ␝ (U+241D) some keyboard layouts
  // produce. Other substitutes (such as the caret notation) reach the
  // server's parser as typed.
  // A burst is judged on its mean gap, so one late keystroke (a busy
  // tablet) does not split a scan; a pause over twice the gap starts anew.
  var SCAN_GAP = 60;  // ms: a wedge sends keys 1–30 ms apart, people 80 ms or more
  var SCAN_MIN = 4;   // characters: the shortest code we scan (a badge)
  var GS = '\u001d';
  var burst = [], burstStart = 0, lastKey = -1e9, origin = null, scanHandler = null;

  function snapshot(el) {
    if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA')) {
      return { el: el, value: el.value, start: el.selectionStart, end: el.selectionEnd };
    }
    return null;
  }
  function restore(s) {
    if (!s) { return; }
    s.el.value = s.value;
    try { s.el.setSelectionRange(s.start, s.end); } catch (e) { /* not a text field */ }
  }

  // Gaps are measured between the keys' own times (when the keyboard or
  // scanner produced them), not when this handler got to run: a tablet
  // busy drawing may hand over several keys late and together, and a
  // person's slow typing must not pass for a scan because it was delayed.
  function keyTime(e, fallback) {
    return e.timeStamp > 0 ? e.timeStamp : fallback;
  }
  document.addEventListener('keydown', function (e) {
    var now = performance.now(), at = keyTime(e, now);
    if (e.key === 'Enter') {
      var isScan = burst.length >= SCAN_MIN && at - lastKey <= 2 * SCAN_GAP &&
        (at - burstStart) / burst.length <= SCAN_GAP;
      var data = burst.join('');
      burst = []; lastKey = -1e9;
      if (isScan) {
        e.preventDefault();
        e.stopPropagation();
        restore(origin);
        origin = null;
        scanEndedAt = now;
        dispatchScan(data, now);
      }
      return;
    }
    var ch = null;
    if (e.ctrlKey && (e.key === ']' || e.code === 'BracketRight')) { ch = GS; }
    else if (e.key === GS || e.key === '\u241d') { ch = GS; }
    else if (e.key && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) { ch = e.key; }
    if (ch === null) { return; }
    if (at - lastKey > 2 * SCAN_GAP) { burst = []; burstStart = at; origin = snapshot(document.activeElement); }
    lastKey = at;
    burst.push(ch);
    if (ch === GS) { e.preventDefault(); }
  }, true);

  // The Enter that ends a scan must not submit a form or press a button,
  // whatever events the scanner (or a browser) sends after the keydown.
  // A finger on the screen after the scan is a person's own tap, however
  // soon: it is never taken for the scanner's Enter.
  var scanEndedAt = -1e9, touchedAt = -1e9;
  function justScanned() { return performance.now() - scanEndedAt < 150 && touchedAt < scanEndedAt; }
  document.addEventListener('pointerdown', function () { touchedAt = performance.now(); }, true);
  document.addEventListener('keypress', function (e) {
    if (e.key === 'Enter' && justScanned()) { e.preventDefault(); e.stopPropagation(); }
  }, true);
  document.addEventListener('submit', function (e) {
    if (justScanned()) { e.preventDefault(); e.stopPropagation(); }
  }, true);
  document.addEventListener('click', function (e) {
    if (justScanned() && e.detail === 0) { e.preventDefault(); e.stopPropagation(); }
  }, true);

  // A badge is letters then letters or digits (TECH1, PHARM2): never a
  // product code (digits, GS1 or HIBC) nor a Laminar label (LMN-…).
  var BADGE = /^[A-Z][A-Z0-9]{2,19}$/;
  function dispatchScan(data, t0) {
    scanAt = t0;
    var clean = data.replace(/\u001d/g, '').trim().toUpperCase();
    if (document.body.dataset.page !== 'login' && csrf && BADGE.test(clean) && clean.indexOf('LMN') !== 0) {
      // Another person's badge on a shared tablet: switch to them. The
      // badge waits in this tab for their PIN; the screen comes back after.
      try { sessionStorage.setItem('laminar.switchBadge', clean); } catch (e) { /* typed again on the login page */ }
      feedback('info', 'Badge ' + clean + ' — switching user', 'Enter the PIN to continue on this screen.');
      location.href = '/login?mode=badge&switch=1&next=' + encodeURIComponent(location.pathname + location.search);
      return;
    }
    if (scanHandler) { scanHandler(data, t0); return; }
    feedback('info', 'This screen does not take scans', 'Open a preparation to scan its products.');
  }
  function onScan(fn) { scanHandler = fn; }
  window.laminarScan = dispatchScan;

  // --------------------------------------------------------------- keypad
  $$('[data-keypad]').forEach(function (pad) {
    var target = document.getElementById(pad.dataset.keypad);
    if (!target) { return; }
    var decimal = pad.dataset.keypad.indexOf('weight') === 0;
    pad.addEventListener('click', function (e) {
      var b = e.target.closest('button[data-key]');
      if (!b) { return; }
      var k = b.dataset.key, v = target.value === '0' && decimal ? '' : (target.value || '');
      if (k === 'clear') { v = ''; }
      else if (k === 'back') { v = v.slice(0, -1); }
      else if (k === '.') { if (v.indexOf('.') < 0) { v = (v || '0') + '.'; } }
      else if (v.length < 10) { v += k; }
      target.value = decimal && v === '' ? '0' : v;
      target.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });

  // ----------------------------------------------------------- countdowns
  // Due times count down on every screen; the server-rendered text stays as
  // the absolute time so the countdown never hides when it is due.
  function tickDue() {
    var now = Date.now();
    $$('[data-due]').forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) { return; }
      if (!el.dataset.abs) { el.dataset.abs = el.textContent; }
      var min = Math.round((due - now) / 60000), words;
      var abs = Math.abs(min), span = abs >= 120 ? Math.floor(abs / 60) + ' h ' + (abs % 60) + ' min' : abs + ' min';
      if (min < 0) { words = 'OVERDUE ' + span; } else if (min === 0) { words = 'due now'; } else { words = 'due in ' + span; }
      el.textContent = words + ' · ' + el.dataset.abs;
      el.classList.toggle('overdue', min < 0);
      el.classList.toggle('soon', min >= 0 && min <= 30);
    });
  }
  tickDue();
  setInterval(tickDue, 15000);

  // ---------------------------------------------------------------- pages
  var page = document.body.dataset.page;
  if (page === 'login') { initLogin(); }
  if (page === 'prep') { initPrep(); }
  if (page === 'verify-queue') { initVerifyQueue(); }
  if (page === 'verify') { initVerify(); }
  if (page === 'queue') { initQueue(); }

  function initLogin() {
    var badge = $('#badge'), pin = $('#pin'), form = $('#badge-login');
    if (!form) { return; }
    onScan(function (data) {
      badge.value = data.replace(/\u001d/g, '').trim().toUpperCase();
      feedback('ok', 'Badge read', 'Now enter your PIN.');
      pin.focus();
    });
    // A badge scanned on another screen (a quick switch of user).
    var waiting = null;
    try { waiting = sessionStorage.getItem('laminar.switchBadge'); sessionStorage.removeItem('laminar.switchBadge'); } catch (e) { waiting = null; }
    if (waiting && !badge.value) {
      badge.value = waiting;
      feedback('info', 'Switching to badge ' + waiting, 'Enter the PIN, then Enter.');
      pin.focus();
    }
    form.addEventListener('submit', function (e) {
      if (!badge.value.trim()) { e.preventDefault(); feedback('bad', 'Scan your badge first', 'Hold the badge under the scanner.'); }
      else if (!pin.value) { e.preventDefault(); feedback('bad', 'Enter your PIN', 'Use the keypad, then Enter.'); }
    });
  }

  function initPrep() {
    var root = $('#prep');
    if (!root) { return; }
    var id = root.dataset.id, mine = root.dataset.mine === '1';
    var base = '/api/v1/preparations/' + id;
    var steps = $$('.step', root).filter(function (s) { return s.dataset.kind !== 'complete' && s.dataset.kind !== 'label'; });
    var busy = false;

    function current() {
      var st = root.dataset.status;
      if (st === 'completed' || st === 'awaiting_second_check' || st === 'verified' || st === 'released') { return $('#step-label'); }
      if (!mine) { return null; }
      if (root.dataset.completing === '1') { return $('#step-label'); }
      for (var i = 0; i < steps.length; i++) {
        if (steps[i].dataset.done !== '1' || steps[i].dataset.failed === '1') { return steps[i]; }
      }
      return $('#step-complete');
    }
    function show() {
      var cur = current();
      $$('.step', root).forEach(function (s) { s.hidden = s !== cur; });
      if (cur) {
        var box = cur.getBoundingClientRect();
        // The whole step on screen: its keypad and buttons too.
        if (box.top < 0 || box.top > window.innerHeight * 0.6 || box.bottom > window.innerHeight) { cur.scrollIntoView({ block: 'start' }); }
      }
      $$('#step-list li').forEach(function (li) {
        li.classList.toggle('current', !!cur && li.dataset.step === cur.dataset.step);
      });
    }
    function markDone(step, result, failed) {
      step.dataset.done = '1';
      step.dataset.failed = failed ? '1' : '';
      var li = $('#step-list li[data-step="' + step.dataset.step + '"]');
      if (li) {
        li.classList.toggle('done', !failed);
        li.classList.toggle('failed', !!failed);
        var res = $('.res', li);
        if (!res) { res = document.createElement('span'); res.className = 'res'; ($('.t', li) || li).appendChild(res); }
        res.textContent = result || '';
      }
      show();
    }
    function status(s, text) {
      root.dataset.status = s;
      var el = $('#prep-status');
      if (el && text) { el.textContent = text; }
    }

    // Scans: the server checks product, strength, lot, expiry and in-use
    // limits; the screen only shows its verdict.
    onScan(function (data, t0) {
      var cur = current();
      if (!cur || cur.dataset.kind !== 'scan') {
        feedback('bad', 'No scan expected now', cur ? 'This step is: ' + $('.step-title', cur).textContent : 'This preparation is not yours to work on.');
        return;
      }
      sendScan(cur, data, t0);
    });
    // sendScan sends a scan, or a typed code with extra (source, reason,
    // witness), or a counted confirmation (container_no).
    function sendScan(step, data, t0, extra) {
      if (busy) { feedback('bad', 'Still saving the last step', 'Scan again in a moment.'); return; }
      busy = true;
      var body = { data: data, step_id: step.dataset.step };
      extra = extra || {};
      Object.keys(extra).forEach(function (k) { if (extra[k]) { body[k] = extra[k]; } });
      var old = $('.confirm-container', step);
      if (old) { old.remove(); }
      api('POST', base + '/scans', body, { secret: !!body.witness_pin }).then(function (r) {
        busy = false;
        if (r.ok) {
          var b = r.body || {};
          var what = step.dataset.expect || 'product accepted';
          var bits = [];
          if (b.lot) { bits.push('lot ' + b.lot); }
          if (b.expires_at) { bits.push('expires ' + expiryDate(b.expires_at)); }
          if (b.warning) { bits.push('warning: ' + b.warning); }
          var count = Number(step.dataset.count || 1), scanned = Number(step.dataset.scanned || 0) + 1;
          step.dataset.scanned = String(scanned);
          var n = $('.scan-progress .n', step);
          if (n) { n.textContent = String(scanned); }
          if (scanned < count) {
            feedback('ok', 'Accepted ' + scanned + ' of ' + count + ': ' + what, bits.join(' · ') + ' — scan the next one.');
          } else {
            feedback('ok', 'Accepted: ' + what, bits.join(' · '));
            markDone(step, bits.join(' · '));
          }
        } else {
          refused(r);
          var er = (r.body && r.body.error) || {};
          if (er.code === 'already_scanned' && er.field === 'container_no' && er.fields) {
            offerCount(step, data, extra, er.fields.container_no, er.fields.count);
          }
        }
      }, function () {
        busy = false;
        feedback('bad', 'Not saved', 'The connection is down; scan again when it is back.');
      });
    }
    // offerCount lets the technician say that a container without a serial
    // number, of the same lot as one scanned already, is another one: the
    // answer is recorded as "container n of count".
    function offerCount(step, data, extra, n, count) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'big secondary confirm-container';
      btn.textContent = 'This is a different container: number ' + n + ' of ' + count;
      btn.addEventListener('click', function () {
        var x = {};
        Object.keys(extra || {}).forEach(function (k) { x[k] = extra[k]; });
        x.container_no = Number(n);
        sendScan(step, data, performance.now(), x);
      });
      var hint = $('.scan-hint', step);
      (hint ? hint.parentNode : step).insertBefore(btn, hint ? hint.nextSibling : null);
    }
    // typedWhy reads the reason and the witness given with a typed entry.
    function typedWhy(box) {
      var out = {};
      if (!box) { return out; }
      ['reason', 'witness_badge', 'witness_pin'].forEach(function (n) {
        var el = box.querySelector('[name="' + n + '"]');
        if (el) { out[n] = el.value.trim(); }
      });
      return out;
    }
    function clearWhy(box) {
      if (!box) { return; }
      var pin = box.querySelector('[name="witness_pin"]');
      if (pin) { pin.value = ''; }
    }
    // A typed code goes the same way as a scan, marked typed, with its
    // reason (and the witness where the site requires one).
    $$('form.type-scan', root).forEach(function (f) {
      f.addEventListener('submit', function (e) {
        e.preventDefault();
        var v = f.elements.data.value.trim();
        if (!v) { feedback('bad', 'Nothing typed', 'Type the characters under the barcode.'); return; }
        var why = typedWhy($('.typed-why', f));
        if (!why.reason) { feedback('bad', 'Say why it is typed', 'A typed code needs a reason: why can the scanner not read it?'); return; }
        if ($('.typed-why', f).dataset.witness && (!why.witness_badge || !why.witness_pin)) {
          feedback('bad', 'A second person is needed', 'For this preparation a colleague checks the typed code: their badge and PIN.'); return;
        }
        var step = f.closest('.step');
        if (!step || step.dataset.kind !== 'scan') { return; }
        f.elements.data.value = '';
        clearWhy($('.typed-why', f));
        why.source = 'typed';
        sendScan(step, v, performance.now(), why);
      });
    });

    // Weights: typed on the keypad, judged by the server.
    $$('.record-weight', root).forEach(function (btn) {
      btn.addEventListener('click', function () {
        var step = btn.closest('.step'), out = $('.weight-value', step), v = (out.value || '').replace(/\.$/, '');
        if (!v || Number(v) <= 0) { feedback('bad', 'Enter the weight first', 'Type the number on the scale, in grams.'); return; }
        var box = $('.typed-why', step), why = typedWhy(box);
        if (!why.reason) { feedback('bad', 'Say why it is typed', 'A typed weight needs a reason: why is the balance not read?'); return; }
        if (box && box.dataset.witness && (!why.witness_badge || !why.witness_pin)) {
          feedback('bad', 'A second person is needed', 'For this preparation a colleague checks the typed weight: their badge and PIN.'); return;
        }
        var body = { step_id: step.dataset.step, measured: v + ' g' };
        Object.keys(why).forEach(function (k) { if (why[k]) { body[k] = why[k]; } });
        clearWhy(box);
        btn.disabled = true;
        api('POST', base + '/weights', body, { secret: !!body.witness_pin }).then(function (r) {
          btn.disabled = false;
          if (r.ok && r.body && r.body.pass) {
            feedback('ok', 'Weight within tolerance: ' + v + ' g', 'expected ' + (r.body.expected_display || r.body.expected) + ', deviation ' + r.body.deviation);
            markDone(step, v + ' g (' + r.body.deviation + ')');
          } else if (r.ok && r.body) {
            feedback('bad', 'Weight out of tolerance: ' + v + ' g', 'expected ' + (r.body.expected_display || r.body.expected) + ', deviation ' + r.body.deviation + '. Correct the volume and weigh again.');
            out.value = '0';
            markDone(step, v + ' g — out of tolerance', true);
          } else {
            refused(r);
          }
        }, function () { btn.disabled = false; feedback('bad', 'Not saved', 'The connection is down; try again.'); });
      });
    });


    // Balance: on a tablet bound to a hood with a balance, the weigh step
    // reads the balance on the server (tare first, then a stable reading);
    // the keypad is kept behind "Balance not working?" as the exception.
    var station = null;
    function balancePanel(step, b) {
      var weigh = $('.weigh', step);
      if (!weigh || $('.balance-panel', step)) { return; }
      var panel = document.createElement('div');
      panel.className = 'balance-panel';
      panel.innerHTML = '<p class="balance-name"></p>' +
        '<div class="readout balance-readout"><output class="balance-reading" id="reading-' + step.dataset.step + '">—</output>' +
        '<span class="balance-state" role="status">connecting…</span></div>' +
        '<div class="actions"><button type="button" class="big tare">1. Tare</button>' +
        '<button type="button" class="big ok take-reading">2. Weigh</button></div>';
      $('.balance-name', panel).textContent = 'Balance: ' + b.name + (b.simulated && !/simulat/i.test(b.name) ? ' (simulated)' : '') +
        ' — put the empty container on the pan and tare, then fill it and weigh.';
      weigh.parentNode.insertBefore(panel, weigh);
      if (b.simulated) {
        // The demo's balance is a simulator: these stand in for the hands.
        var simBox = document.createElement('div');
        simBox.className = 'actions simulator';
        simBox.innerHTML = '<button type="button" class="secondary sim-empty">Simulator: empty syringe on the pan</button>' +
          '<button type="button" class="secondary sim-full">Simulator: filled syringe on the pan</button>';
        panel.appendChild(simBox);
        var expected = parseFloat(((($('.qty', step) || {}).textContent) || '0').replace(/,/g, '')) || 0;
        var sim = function (cmd) { return api('POST', '/api/v1/balances/' + b.id + '/simulator', { command: cmd }, { tries: 1 }); };
        $('.sim-empty', simBox).addEventListener('click', function () { sim('W 5.118'); });
        $('.sim-full', simBox).addEventListener('click', function () { sim('W ' + (5.118 + expected).toFixed(3)); });
      }
      var typed = document.createElement('details');
      typed.className = 'manual-entry typed-weight';
      typed.innerHTML = '<summary>Balance not working? Type the weight (an exception, recorded as typed)</summary>';
      weigh.parentNode.insertBefore(typed, weigh);
      typed.appendChild(weigh);
      var out = $('.balance-reading', panel), state = $('.balance-state', panel), es = null;
      function watch() {
        var visible = !step.hidden;
        if (visible && !es && window.EventSource) {
          es = new EventSource('/api/v1/balances/' + b.id + '/live');
          es.addEventListener('reading', function (ev) {
            var d = JSON.parse(ev.data);
            out.textContent = d.weight;
            state.textContent = d.stable ? 'stable' : 'moving…';
            panel.dataset.stable = d.stable ? '1' : '';
            panel.classList.remove('fault');
          });
          es.addEventListener('fault', function (ev) {
            var d = JSON.parse(ev.data);
            out.textContent = '—';
            state.textContent = d.message;
            panel.dataset.stable = '';
            panel.classList.add('fault');
          });
        } else if (!visible && es) { es.close(); es = null; }
      }
      watch();
      setInterval(watch, 1000);
      window.addEventListener('pagehide', function () { if (es) { es.close(); } });
      $('.tare', panel).addEventListener('click', function () {
        var btn = this;
        btn.disabled = true;
        api('POST', base + '/tare', { step_id: step.dataset.step, balance_id: b.id }).then(function (r) {
          btn.disabled = false;
          if (r.ok) { panel.dataset.tared = '1'; feedback('ok', 'Balance tared', 'Now fill the container, put it back on the pan and tap Weigh.'); }
          else { refused(r); }
        }, function () { btn.disabled = false; feedback('bad', 'Not tared', 'The connection is down; try again.'); });
      });
      $('.take-reading', panel).addEventListener('click', function () {
        var btn = this;
        btn.disabled = true;
        state.textContent = 'waiting for a stable reading…';
        api('POST', base + '/weights', { step_id: step.dataset.step, balance_id: b.id }, { tries: 1 }).then(function (r) {
          btn.disabled = false;
          weightVerdict(step, r);
        }, function () { btn.disabled = false; feedback('bad', 'Not weighed', 'The connection is down; weigh again.'); });
      });
    }
    // weightVerdict shows the server's answer to a weight, read or typed.
    function weightVerdict(step, r) {
      var b = r.body || {};
      if (r.ok && b.pass) {
        feedback('ok', 'Weight within tolerance: ' + b.measured, 'expected ' + (b.expected_display || b.expected) + ', deviation ' + b.deviation);
        markDone(step, b.measured + ' (' + b.deviation + ')');
      } else if (r.ok) {
        feedback('bad', 'Weight out of tolerance: ' + b.measured, 'expected ' + (b.expected_display || b.expected) + ', deviation ' + b.deviation + '. Correct the volume and weigh again.');
        markDone(step, b.measured + ' — out of tolerance', true);
      } else {
        refused(r);
      }
    }
    // printOn sends the current label to the hood's printer and follows
    // the job until it printed or failed; a failure is said, never hidden.
    function printOn(p) {
      feedback('info', 'Printing the label on ' + p.name, '');
      return api('POST', base + '/print', { printer_id: p.id }).then(function (r) {
        if (!r.ok) { refused(r); return; }
        var job = r.body, tries = 0;
        function poll() {
          api('GET', '/api/v1/print-jobs/' + job.id).then(function (j) {
            var st = (j.body || {}).status;
            if (st === 'printed') { feedback('ok', 'Label printed on ' + p.name, (j.body || {}).label_data || ''); return; }
            if (st === 'failed') { feedback('bad', 'Label NOT printed', (j.body || {}).last_error + ' — fix the printer and print again.'); return; }
            if ((j.body || {}).last_error) { feedback('info', 'Printer not answering — retrying', (j.body || {}).last_error); }
            if (++tries < 120) { setTimeout(poll, 500); }
          });
        }
        poll();
      }, function () { feedback('bad', 'Label not sent', 'The connection is down; print again.'); });
    }
    function withStation(fn) {
      hoodStation().then(function (st) {
        station = st;
        if (st && st.balance) { $$('.step[data-kind="weight"]', root).forEach(function (step) { balancePanel(step, st.balance); }); }
        if (st && st.printer) {
          var again = $('#print-label');
          if (again && !$('#print-printer')) {
            var pb = document.createElement('button');
            pb.type = 'button'; pb.className = 'big ok'; pb.id = 'print-printer';
            pb.textContent = 'Print on ' + st.printer.name;
            pb.addEventListener('click', function () { printOn(st.printer); });
            again.parentNode.insertBefore(pb, again);
          }
        }
        if (fn) { fn(); }
      });
    }
    withStation();

    // Photos: shown back at full width so the technician can judge it is
    // sharp before it is kept.
    $$('.photo-input', root).forEach(function (input) {
      var step = input.closest('.step'), img = $('.photo-preview', step);
      input.addEventListener('change', function () {
        var f = input.files && input.files[0];
        if (!f) { return; }
        if (img.src) { URL.revokeObjectURL(img.src); }
        img.src = URL.createObjectURL(f);
        img.hidden = false;
        $('.photo-check', step).hidden = false;
        $('.photo-actions', step).hidden = false;
        $('.pick-text', step).textContent = 'Take it again';
      });
      $('.use-photo', step).addEventListener('click', function () {
        var f = input.files && input.files[0];
        if (!f) { feedback('bad', 'Take the photo first', ''); return; }
        var btn = this;
        btn.disabled = true;
        shrink(f).then(function (img) {
          var fd = new FormData();
          fd.append('step_id', step.dataset.step);
          fd.append('photo', img, 'photo.jpg');
          return api('POST', base + '/photos', fd);
        }).then(function (r) {
          if (r.ok && step.dataset.kind !== 'photo') {
            // A photo taken with a manual step (the syringe after drawing)
            // also records that step as done: one tap, not two.
            return api('POST', base + '/steps/' + encodeURIComponent(step.dataset.step) + '/done', {});
          }
          return r;
        }).then(function (r) {
          btn.disabled = false;
          if (r.ok) { feedback('ok', 'Photo saved', step.dataset.kind === 'photo' ? '' : $('.step-title', step).textContent + ' — done'); markDone(step, 'photo saved'); }
          else { refused(r); }
        }, function () { btn.disabled = false; feedback('bad', 'Photo not saved', 'The connection is down; try again.'); });
      });
    });

    // shrink scales a camera photo down to at most 1600 px as JPEG, so
    // that it uploads quickly over the cleanroom's Wi-Fi and stays under
    // the server's size limit; the original is used if the browser cannot.
    function shrink(file) {
      if (!window.createImageBitmap) { return Promise.resolve(file); }
      return createImageBitmap(file).then(function (bmp) {
        var scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
        var cv = document.createElement('canvas');
        cv.width = Math.round(bmp.width * scale);
        cv.height = Math.round(bmp.height * scale);
        cv.getContext('2d').drawImage(bmp, 0, 0, cv.width, cv.height);
        return new Promise(function (resolve) {
          cv.toBlob(function (b) { resolve(b || file); }, 'image/jpeg', 0.85);
        });
      }, function () { return file; });
    }

    // Manual steps (reconstitute, draw, inspect): one tap to record.
    $$('.mark-done', root).forEach(function (btn) {
      btn.addEventListener('click', function () {
        var step = btn.closest('.step');
        btn.disabled = true;
        api('POST', base + '/steps/' + encodeURIComponent(step.dataset.step) + '/done', {}).then(function (r) {
          btn.disabled = false;
          if (r.ok) {
            // The last step's button says it also completes: one tap, not
            // two; the label card shows while it completes.
            var andComplete = btn.dataset.complete === '1' && !!complete;
            if (andComplete) { root.dataset.completing = '1'; }
            feedback('ok', 'Recorded', $('.step-title', step).textContent); markDone(step, 'done');
            if (andComplete) { completeNow(); }
          }
          else { refused(r); }
        }, function () { btn.disabled = false; feedback('bad', 'Not saved', 'The connection is down; try again.'); });
      });
    });

    var complete = $('#complete');
    function completeNow() {
      complete.disabled = true;
      api('POST', base + '/complete', {}).then(function (r) {
        complete.disabled = false;
        delete root.dataset.completing;
        if (r.ok) {
          status('completed', 'Completed');
          feedback('ok', 'Completed', 'It is waiting for a pharmacist. The label is printing.');
          show();
          if (station && station.printer) { printOn(station.printer); } else { showLabel(); }
        } else { refused(r); show(); }
      }, function () { complete.disabled = false; delete root.dataset.completing; show(); feedback('bad', 'Not saved', 'The connection is down; try again.'); });
    }
    if (complete) { complete.addEventListener('click', completeNow); }
    // showLabel prints the current label (completion issued label 1).
    // Showing it issues nothing; a new label, superseding the old one, is
    // the form's POST ("Label damaged or lost?"), after which the page
    // opens with data-print-now.
    function showLabel() {
      var frame = $('#label-frame'), url = root.dataset.label || (base + '/label?format=html');
      if (!frame) { return; }
      frame.hidden = false;
      frame.onload = function () { printFrame(frame); };
      frame.src = url;
    }
    function printFrame(frame) {
      try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { /* the label stays on screen to print by hand */ }
    }
    var again = $('#print-label');
    if (again) { again.addEventListener('click', function () { showLabel(); }); }
    if (root.dataset.printNow === '1') { showLabel(); }

    // Replay an action the page had sent but not heard back about.
    var left = pendingList().filter(function (p) { return p.url.indexOf(base + '/') === 0; });
    if (left.length) {
      setPending(pendingList().filter(function (p) { return p.url.indexOf(base + '/') !== 0; }));
      var chain = Promise.resolve();
      left.forEach(function (p) { chain = chain.then(function () { return api(p.method, p.url, p.body, { key: p.key }); }); });
      chain.then(function () { location.reload(); });
      return;
    }
    show();
  }

  // Words for the server's refusal codes (words.js, generated from the one
  // map on the server): the headline a technician reads from across the
  // hood. A code is never shown; an unknown one gets general words.
  function wordsOf(code) {
    var w = window.laminarWords || { refusals: {}, fallback: { t: 'Not accepted', n: '' } };
    return w.refusals[code] || w.fallback;
  }
  // refused shows a refusal: the headline, the server's reason, and what
  // to do next.
  function refused(r) {
    var e = errorOf(r), w = wordsOf(e.code);
    feedback('bad', w.t, e.message + (w.n ? ' — ' + w.n : ''));
  }

  // live keeps a region of the page current: on every preparation event
  // (server-sent, fed by PostgreSQL LISTEN/NOTIFY) it fetches the region
  // again from the server and swaps it in; the page itself never reloads.
  function live(region, src, pick) {
    var state = $('#live-state');
    if (!region || !window.EventSource) { return; }
    var busy = false, again = false, es;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      // aria-busy: assistive technology (and a test's tap) waits for the
      // region while it is being replaced.
      region.setAttribute('aria-busy', 'true');
      fetch(src, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (r) {
        return r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status));
      }).then(function (html) {
        region.innerHTML = pick ? pick(html) : html;
        tickDue();
        // "Live" once what is shown is current, not merely connected: a
        // tap after it lands on the region as it stays.
        if (state && es.readyState === 1) { state.textContent = 'Live'; state.classList.remove('off'); }
      }).catch(function () { /* the next event or reconnect tries again */ }).then(function () {
        busy = false;
        if (again) { again = false; refresh(); } else { region.removeAttribute('aria-busy'); }
      });
    }
    es = new EventSource('/events/preparations');
    es.onopen = refresh;
    es.onerror = function () { if (state) { state.textContent = 'Reconnecting…'; state.classList.add('off'); } };
    es.addEventListener('preparation', refresh);
    window.addEventListener('pagehide', function () { es.close(); });
  }

  // Scanning a verified preparation's label on a queue screen releases it
  // to the floor; the server checks it is the current label.
  function releaseOnScan() {
    onScan(function (data) {
      var m = /LMN-P(\d+)-L\d+/.exec(data);
      if (!m) { feedback('bad', 'Not a preparation label', 'On this screen, scan a Laminar label to release the bag.'); return; }
      api('POST', '/api/v1/preparations/' + m[1] + '/release', { label_data: data }).then(function (r) {
        if (r.ok) { feedback('ok', 'Released #' + m[1], 'It can go to the floor.'); }
        else { refused(r); }
      }, function () { feedback('bad', 'Not released', 'The connection is down; scan again.'); });
    });
  }

  function initVerifyQueue() {
    var list = $('#verify-list');
    if (list) { live(list, list.dataset.src); }
    releaseOnScan();
  }

  // hoodStation returns this tablet session's station (hood, balance,
  // printer). The hood is chosen once per tablet and kept in the browser;
  // each new session is bound to it again.
  function hoodStation() {
    return api('GET', '/api/v1/tablet/station').then(function (r) {
      var st = r.ok ? r.body : null, want = localStorage.getItem('laminar.hood') || '';
      if (st && !st.hood && want) {
        return api('POST', '/api/v1/tablet/station', { hood: want }, { tries: 1 }).then(function (b) { return b.ok ? b.body : st; });
      }
      return st;
    }, function () { return null; });
  }

  // hoodBar lets the technician say which hood this tablet stands at.
  function hoodBar() {
    var head = $('.prep-head');
    if (!head) { return; }
    api('GET', '/api/v1/hoods').then(function (r) {
      var hoods = (r.ok && r.body && r.body.hoods) || [];
      if (!hoods.length) { return; }
      var bar = document.createElement('div');
      bar.className = 'hood-bar';
      bar.innerHTML = '<label for="hood-select">This tablet is at</label> <select id="hood-select"><option value="">choose the hood…</option></select> <span class="hood-devices muted" role="status"></span>';
      var sel = $('select', bar), info = $('.hood-devices', bar);
      hoods.forEach(function (h) { var o = document.createElement('option'); o.value = h; o.textContent = h; sel.appendChild(o); });
      head.parentNode.insertBefore(bar, head.nextSibling);
      function describe(st) {
        sel.value = (st && st.hood) || '';
        info.textContent = st && st.hood ? [st.balance ? 'balance ' + st.balance.name : 'no balance', st.printer ? 'printer ' + st.printer.name : 'no printer'].join(' · ') : '';
      }
      hoodStation().then(describe);
      sel.addEventListener('change', function () {
        if (!sel.value) { return; }
        api('POST', '/api/v1/tablet/station', { hood: sel.value }, { tries: 1 }).then(function (b) {
          if (b.ok) { localStorage.setItem('laminar.hood', sel.value); describe(b.body); feedback('ok', 'This tablet is at ' + sel.value, info.textContent); }
          else { refused(b); }
        });
      });
    });
  }

  function initQueue() {
    hoodBar();
    releaseOnScan();
    // The filters apply as soon as one is chosen: no extra tap.
    var filter = $('form.queue-filter');
    if (filter) {
      $$('select', filter).forEach(function (sel) { sel.addEventListener('change', function () { filter.submit(); }); });
    }
    // The live region is the same window (filters and page) as the page.
    live($('#live-region'), location.pathname + location.search, function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html'), r = doc.getElementById('live-region');
      return r ? r.innerHTML : '';
    });
  }

  function initVerify() {
    var form = $('form[action^="/verify/"]');
    if (!form) { return; }
    form.addEventListener('submit', function (e) {
      var d = form.elements.decision.value, reason = form.elements.reason.value.trim();
      if (!d) { e.preventDefault(); feedback('bad', 'Choose approve or reject', 'Nothing is chosen for you.'); }
      else if (d === 'reject' && !reason) { e.preventDefault(); feedback('bad', 'Give a reason to reject', 'The technician sees it when remaking.'); form.elements.reason.focus(); }
      else if (!form.elements.pin.value) { e.preventDefault(); feedback('bad', 'Enter your PIN or password', 'A decision is signed.'); form.elements.pin.focus(); }
    });
  }
}());
