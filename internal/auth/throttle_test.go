package auth_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
)

// outcome counts the answers of a burst of logins.
type outcome struct {
	mu                 sync.Mutex
	ok, wrong, tooMany int
}

func (o *outcome) add(t *testing.T, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case err == nil:
		o.ok++
	case apperr.Is(err, apperr.Unauthorized):
		o.wrong++
	case apperr.Is(err, apperr.TooMany):
		o.tooMany++
	default:
		t.Errorf("unexpected answer: %v", err)
	}
}

// burst runs every attempt at the same moment.
func burst(t *testing.T, f *fixture, attempts []auth.Credentials, addr func(i int) string) *outcome {
	t.Helper()
	var o outcome
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := f.svc.Login(context.Background(), c, addr(i))
			o.add(t, err)
		}()
	}
	close(start)
	wg.Wait()
	return &o
}

// maxCount is the highest attempt counter in the throttle table.
func maxCount(t *testing.T, f *fixture, prefix string) int {
	t.Helper()
	var n int
	if err := f.st.DB.Get(&n, `SELECT COALESCE(max(failures), 0) FROM login_throttle WHERE key LIKE $1`, prefix+"%"); err != nil {
		t.Fatal(err)
	}
	return n
}

// The attack: 60 badge+PIN guesses on one account at the same instant
// (from 60 addresses, so that only the account's limit stands in the way),
// the right PIN among them. At most five secrets are checked and found
// wrong, and afterwards even the right PIN is refused.
func TestParallelGuessesOnOneAccount(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	var guesses []auth.Credentials
	for i := range 59 {
		guesses = append(guesses, auth.Credentials{Badge: "TECH1", PIN: fmt.Sprintf("%04d", 3000+i)})
	}
	guesses = append(guesses, auth.Credentials{Badge: "TECH1", PIN: "2468"})
	o := burst(t, f, guesses, func(i int) string { return fmt.Sprintf("10.9.%d.%d:4000", i/200, i%200) })

	failed := len(events(t, f.st, audit.TypeLoginFailed))
	if failed > 5 {
		t.Fatalf("%d guesses were checked and failed; the account admits 5 (answers: %+v)", failed, o)
	}
	if o.ok > 1 || o.ok+o.wrong+o.tooMany != 60 {
		t.Fatalf("answers %+v", o)
	}
	if n := maxCount(t, f, "user:"); n > 5 {
		t.Fatalf("the account's counter reached %d; its limit is 5", n)
	}
	if failed == 5 {
		_, _, err := f.svc.Login(context.Background(), auth.Credentials{Badge: "TECH1", PIN: "2468"}, "10.8.0.1")
		wantErr(t, err, apperr.TooMany, "too_many_attempts", "")
	}
}

// Without the right PIN in the burst the outcome is exact: five checked,
// fifty-five refused unchecked, and the right PIN refused after.
func TestParallelWrongGuessesLockExactly(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	var guesses []auth.Credentials
	for i := range 60 {
		guesses = append(guesses, auth.Credentials{Badge: "TECH1", PIN: fmt.Sprintf("%04d", 5000+i)})
	}
	o := burst(t, f, guesses, func(i int) string { return fmt.Sprintf("10.7.0.%d", i) })
	if failed := len(events(t, f.st, audit.TypeLoginFailed)); failed != 5 {
		t.Fatalf("%d guesses checked; want exactly 5 (answers %+v)", failed, o)
	}
	if o.tooMany != 56 || o.wrong != 4 { // the fifth failure answers 429 itself
		t.Fatalf("answers %+v; want 4 wrong and 56 too many", o)
	}
	_, _, err := f.svc.Login(context.Background(), auth.Credentials{Badge: "TECH1", PIN: "2468"}, "10.8.0.1")
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "")
}

// The attack on the address limit: 60 simultaneous guesses from one
// address, each at a different account, so that no account's limit helps.
// At most twenty are checked.
func TestParallelGuessesFromOneAddress(t *testing.T) {
	f := newFixture(t)
	var guesses []auth.Credentials
	for i := range 60 {
		guesses = append(guesses, auth.Credentials{Badge: fmt.Sprintf("GUESS%d", i), PIN: "1234"})
	}
	o := burst(t, f, guesses, func(int) string { return "192.0.2.44:5000" })
	if failed := len(events(t, f.st, audit.TypeLoginFailed)); failed != 20 {
		t.Fatalf("%d guesses checked from one address; want exactly its limit of 20 (answers %+v)", failed, o)
	}
	if n := maxCount(t, f, "addr:"); n != 20 {
		t.Fatalf("the address counter is %d; want 20", n)
	}
}

// The attack: anyone types five wrong passwords for a pharmacist, locking
// the account's login. The pharmacist, already signed in, can still sign a
// verification with the right password.
func TestStrangersCannotStopAPharmacistSigning(t *testing.T) {
	f := newFixture(t)
	f.user(t, "pharm1", auth.Pharmacist)
	_, p := f.login(t, auth.Credentials{Username: "pharm1", Password: "demo-pharm1"})
	ctx := context.Background()
	for i := range 5 {
		f.svc.Login(ctx, auth.Credentials{Username: "pharm1", Password: fmt.Sprint("guess", i)}, "203.0.113.9")
	}
	_, _, err := f.svc.Login(ctx, auth.Credentials{Username: "pharm1", Password: "demo-pharm1"}, "10.1.1.1")
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "")
	if err := f.svc.ReauthPassword(ctx, p, "demo-pharm1"); err != nil {
		t.Fatalf("the signed-in pharmacist cannot sign: %v", err)
	}
	if err := f.svc.ReauthPassword(ctx, p, "2468"); err != nil {
		t.Fatalf("the signed-in pharmacist cannot sign with the PIN: %v", err)
	}
}

// The mistake: a password typed into the username box. Neither the log nor
// the throttle table keeps what was typed.
func TestTypedUnknownNameIsNotKept(t *testing.T) {
	f := newFixture(t)
	typed := "correct-horse-battery-staple"
	f.svc.Login(context.Background(), auth.Credentials{Username: typed, Password: "x"}, "10.2.2.2")
	f.svc.Login(context.Background(), auth.Credentials{Badge: strings.ToUpper(typed), PIN: "1"}, "10.2.2.2")
	es := events(t, f.st, audit.TypeLoginFailed)
	if len(es) != 2 {
		t.Fatalf("%d failures logged; want 2", len(es))
	}
	for _, e := range es {
		if strings.Contains(strings.ToLower(string(e.Payload)), "horse") {
			t.Fatalf("the log keeps the typed name: %s", e.Payload)
		}
		if !strings.Contains(string(e.Payload), "28 characters") {
			t.Fatalf("the log does not say what kind of name was typed: %s", e.Payload)
		}
	}
	var keys []string
	if err := f.st.DB.Select(&keys, `SELECT key FROM login_throttle`); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(strings.ToLower(k), "horse") {
			t.Fatalf("the throttle table keeps the typed name: %s", k)
		}
	}
}
