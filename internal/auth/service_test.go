package auth_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// clock is a settable time source shared by services in a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	sessionIdle = 8 * time.Hour
	tabletIdle  = 15 * time.Minute
)

type fixture struct {
	st    *store.Store
	svc   *auth.Service
	clock *clock
	admin *auth.Principal
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: testdb.New(t), clock: &clock{t: time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)}}
	f.svc = f.service()
	u, err := f.svc.Provision(context.Background(), auth.NewUser{Username: "root", Roles: []auth.Role{auth.Admin}, Password: "root-password"})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = &auth.Principal{UserID: u.ID, Username: u.Username, Roles: u.Roles}
	return f
}

// service returns another instance over the same database, as a second
// server would run.
func (f *fixture) service() *auth.Service {
	return auth.NewService(f.st, auth.Options{SessionIdle: sessionIdle, TabletIdle: tabletIdle, Now: f.clock.Now, Hash: auth.FastParams})
}

func (f *fixture) user(t *testing.T, name string, roles ...auth.Role) auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), f.admin, auth.NewUser{
		Username: name, Roles: roles, Password: "demo-" + name, Badge: strings.ToUpper(name), PIN: "2468",
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func (f *fixture) login(t *testing.T, c auth.Credentials) (auth.Session, *auth.Principal) {
	t.Helper()
	s, p, err := f.svc.Login(context.Background(), c, "10.1.1.1:5000")
	if err != nil {
		t.Fatalf("login %v: %v", c, err)
	}
	return s, p
}

func (f *fixture) authenticate(t *testing.T, token string) *auth.Principal {
	t.Helper()
	p, err := f.svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return p
}

func wantErr(t *testing.T, err error, kind apperr.Kind, code, field string) *apperr.Error {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v; want %s/%s", err, kind, code)
	}
	if ae.Kind != kind || (code != "" && ae.CodeOrKind() != code) || ae.Field != field {
		t.Fatalf("err = %s/%s field %q (%s); want %s/%s field %q", ae.Kind, ae.CodeOrKind(), ae.Field, ae.Message, kind, code, field)
	}
	return ae
}

func events(t *testing.T, st *store.Store, types ...string) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), st.DB, audit.Filter{Types: types})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestLoginByPasswordAndByBadge(t *testing.T) {
	f := newFixture(t)
	u := f.user(t, "pharm1", auth.Pharmacist, auth.Technician)

	s, p := f.login(t, auth.Credentials{Username: " PHARM1 ", Password: "demo-pharm1"})
	if p.UserID != u.ID || p.Username != "pharm1" || p.Tablet || len(p.Roles) != 2 || p.Roles[0] != auth.Pharmacist {
		t.Fatalf("principal %+v", p)
	}
	if s.Token == "" || s.CSRFToken != auth.CSRFToken(s.Token) || s.IdleTimeout != sessionIdle || s.Tablet {
		t.Fatalf("session %+v", s)
	}
	if got := f.authenticate(t, s.Token); got == nil || got.UserID != u.ID || got.SessionID != p.SessionID {
		t.Fatalf("the new token authenticates as %+v", got)
	}

	ts, tp := f.login(t, auth.Credentials{Badge: "pharm1", PIN: "2468"})
	if !tp.Tablet || !ts.Tablet || ts.IdleTimeout != tabletIdle || tp.UserID != u.ID {
		t.Fatalf("badge login: %+v %+v", ts, tp)
	}
	if ts.Token == s.Token {
		t.Fatal("two logins share a token")
	}
	es := events(t, f.st, audit.TypeLogin)
	if len(es) != 2 || *es[0].ActorID != u.ID {
		t.Fatalf("login events %+v", es)
	}
	var payload map[string]any
	_ = json.Unmarshal(es[1].Payload, &payload)
	if payload["method"] != "badge" || payload["remote_addr"] != "10.1.1.1" || payload["session_id"] == nil {
		t.Fatalf("login payload %s", es[1].Payload)
	}
}

func TestLoginRefusals(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	nopin, err := f.svc.CreateUser(context.Background(), f.admin, auth.NewUser{Username: "nopin", Roles: []auth.Role{auth.Technician}, Password: "password-only"})
	if err != nil {
		t.Fatal(err)
	}
	_ = nopin
	cases := []struct {
		name        string
		c           auth.Credentials
		kind        apperr.Kind
		code, field string
	}{
		{"nothing", auth.Credentials{}, apperr.Invalid, "", "username"},
		{"both ways", auth.Credentials{Username: "tech1", Password: "x", Badge: "TECH1", PIN: "2468"}, apperr.Invalid, "", "badge"},
		{"no password", auth.Credentials{Username: "tech1"}, apperr.Invalid, "", "password"},
		{"no username", auth.Credentials{Password: "demo-tech1"}, apperr.Invalid, "", "username"},
		{"no PIN", auth.Credentials{Badge: "TECH1"}, apperr.Invalid, "", "pin"},
		{"no badge", auth.Credentials{PIN: "2468"}, apperr.Invalid, "", "badge"},
		{"huge password", auth.Credentials{Username: "tech1", Password: strings.Repeat("x", 300)}, apperr.Invalid, "", "password"},
		{"wrong password", auth.Credentials{Username: "tech1", Password: "demo-tech2"}, apperr.Unauthorized, "bad_credentials", ""},
		{"unknown user", auth.Credentials{Username: "nobody", Password: "demo-tech1"}, apperr.Unauthorized, "bad_credentials", ""},
		{"wrong PIN", auth.Credentials{Badge: "TECH1", PIN: "1357"}, apperr.Unauthorized, "bad_credentials", ""},
		{"unknown badge", auth.Credentials{Badge: "NOBODY", PIN: "2468"}, apperr.Unauthorized, "bad_credentials", ""},
		{"account without PIN", auth.Credentials{Badge: "NOPIN", PIN: "2468"}, apperr.Unauthorized, "bad_credentials", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, p, err := f.svc.Login(context.Background(), c.c, "10.9.9.9")
			if p != nil {
				t.Fatal("a refused login returned a principal")
			}
			wantErr(t, err, c.kind, c.code, c.field)
		})
	}
	// The same answer for an unknown name and a wrong password (each the
	// first failure of its name: the tries left count per name typed).
	f.user(t, "tech2", auth.Technician)
	_, _, e1 := f.svc.Login(context.Background(), auth.Credentials{Username: "tech2", Password: "nope-nope"}, "")
	_, _, e2 := f.svc.Login(context.Background(), auth.Credentials{Username: "ghost", Password: "nope-nope"}, "")
	if e1.Error() != e2.Error() {
		t.Fatalf("answers differ: %q vs %q", e1, e2)
	}
	failed := events(t, f.st, audit.TypeLoginFailed)
	if len(failed) != 7 {
		t.Fatalf("%d auth.login_failed events; want 7", len(failed))
	}
	for _, e := range failed {
		if bytes.Contains(e.Payload, []byte("demo-tech")) || bytes.Contains(e.Payload, []byte("1357")) || bytes.Contains(e.Payload, []byte("nope-nope")) {
			t.Fatalf("a failed-login event holds the secret: %s", e.Payload)
		}
	}
}

// A technician cannot give themselves (or anyone) a role, create a user or
// reset a secret, whatever route they find: the service refuses too.
func TestNoSelfServiceEscalation(t *testing.T) {
	f := newFixture(t)
	tech := f.user(t, "tech1", auth.Technician)
	_, p := f.login(t, auth.Credentials{Username: "tech1", Password: "demo-tech1"})
	ctx := context.Background()
	attempts := map[string]func() error{
		"grant self admin": func() error { _, err := f.svc.SetRoles(ctx, p, tech.ID, []auth.Role{auth.Admin}); return err },
		"grant another": func() error {
			_, err := f.svc.SetRoles(ctx, p, f.admin.UserID, []auth.Role{auth.Technician})
			return err
		},
		"create admin": func() error {
			_, err := f.svc.CreateUser(ctx, p, auth.NewUser{Username: "evil", Roles: []auth.Role{auth.Admin}, Password: "evil-evil-evil"})
			return err
		},
		"reset admin password": func() error { _, err := f.svc.ResetPassword(ctx, p, f.admin.UserID, "taken-over"); return err },
		"reset a PIN":          func() error { _, err := f.svc.ResetPIN(ctx, p, tech.ID, "", "1111"); return err },
		"deactivate admin":     func() error { _, err := f.svc.Deactivate(ctx, p, f.admin.UserID); return err },
		"list users":           func() error { _, err := f.svc.Users(ctx, p); return err },
		"look at admin":        func() error { _, err := f.svc.User(ctx, p, f.admin.UserID); return err },
		"nil actor":            func() error { _, err := f.svc.SetRoles(ctx, nil, tech.ID, []auth.Role{auth.Admin}); return err },
	}
	for name, try := range attempts {
		t.Run(name, func(t *testing.T) {
			wantErr(t, try(), apperr.Forbidden, "forbidden", "")
		})
	}
	if me, err := f.svc.User(ctx, p, tech.ID); err != nil || me.Username != "tech1" {
		t.Fatalf("a user may read their own account: %+v, %v", me, err)
	}
	if got := f.authenticate(t, mustLogin(t, f, "tech1")); len(got.Roles) != 1 || got.Roles[0] != auth.Technician {
		t.Fatalf("roles after the attempts: %v", got.Roles)
	}
	if n := len(events(t, f.st, audit.TypeRolesChanged, audit.TypePasswordReset, audit.TypePINReset, audit.TypeDeactivated)); n != 0 {
		t.Fatalf("%d account changes recorded; want none", n)
	}
}

func mustLogin(t *testing.T, f *fixture, name string) string {
	t.Helper()
	s, _ := f.login(t, auth.Credentials{Username: name, Password: "demo-" + name})
	return s.Token
}

func TestAdminManagesAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "tech1", auth.Technician)
	if u.Role != auth.Technician || !u.HasPassword || !u.HasPIN || u.Badge != "TECH1" || !u.Active {
		t.Fatalf("created %+v", u)
	}
	tok := mustLogin(t, f, "tech1")

	// Roles apply to live sessions at once.
	u, err := f.svc.SetRoles(ctx, f.admin, u.ID, []auth.Role{auth.Pharmacist, auth.Technician})
	if err != nil || u.Role != auth.Pharmacist {
		t.Fatalf("set roles: %+v, %v", u, err)
	}
	if p := f.authenticate(t, tok); !p.Has(auth.Pharmacist) {
		t.Fatalf("roles of the live session: %v", p.Roles)
	}

	// A password reset ends the sessions and the old password.
	if _, err := f.svc.ResetPassword(ctx, f.admin, u.ID, "brand-new-pass"); err != nil {
		t.Fatal(err)
	}
	if p := f.authenticate(t, tok); p != nil {
		t.Fatal("the session outlived a password reset")
	}
	_, _, err = f.svc.Login(ctx, auth.Credentials{Username: "tech1", Password: "demo-tech1"}, "")
	wantErr(t, err, apperr.Unauthorized, "bad_credentials", "")
	f.login(t, auth.Credentials{Username: "tech1", Password: "brand-new-pass"})

	// A PIN reset with a new badge.
	if u, err = f.svc.ResetPIN(ctx, f.admin, u.ID, "t-0042", "97531"); err != nil || u.Badge != "T-0042" {
		t.Fatalf("reset PIN: %+v, %v", u, err)
	}
	f.login(t, auth.Credentials{Badge: "T-0042", PIN: "97531"})
	_, _, err = f.svc.Login(ctx, auth.Credentials{Badge: "TECH1", PIN: "2468"}, "")
	wantErr(t, err, apperr.Unauthorized, "bad_credentials", "")

	// The admin cannot lock themselves out.
	_, err = f.svc.SetRoles(ctx, f.admin, f.admin.UserID, []auth.Role{auth.Technician})
	wantErr(t, err, apperr.Conflict, "own_admin_role", "roles")
	_, err = f.svc.Deactivate(ctx, f.admin, f.admin.UserID)
	wantErr(t, err, apperr.Conflict, "own_account", "")

	// Duplicates and unknown ids.
	_, err = f.svc.CreateUser(ctx, f.admin, auth.NewUser{Username: "TECH1", Roles: []auth.Role{auth.Technician}, Password: "another-one"})
	wantErr(t, err, apperr.Conflict, "username_taken", "username")
	_, err = f.svc.CreateUser(ctx, f.admin, auth.NewUser{Username: "tech9", Roles: []auth.Role{auth.Technician}, Badge: "t-0042", PIN: "1234"})
	wantErr(t, err, apperr.Conflict, "badge_taken", "badge")
	_, err = f.svc.SetRoles(ctx, f.admin, 9999, []auth.Role{auth.Technician})
	wantErr(t, err, apperr.NotFound, "user_not_found", "")

	list, err := f.svc.Users(ctx, f.admin)
	if err != nil || len(list) != 2 || list[0].Username != "root" || list[1].Username != "tech1" {
		t.Fatalf("users %+v, %v", list, err)
	}
	types := []string{}
	for _, e := range events(t, f.st) {
		types = append(types, e.Type)
	}
	want := "user.created user.created auth.login user.roles_changed user.password_reset auth.login_failed auth.login user.pin_reset auth.login auth.login_failed"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("events:\n %s\nwant\n %s", got, want)
	}
	rc := events(t, f.st, audit.TypeRolesChanged)[0]
	if *rc.ActorID != f.admin.UserID || !bytes.Contains(rc.Payload, []byte(`"from":["technician"]`)) || !bytes.Contains(rc.Payload, []byte(`"to":["pharmacist","technician"]`)) {
		t.Fatalf("roles_changed event %+v %s", rc, rc.Payload)
	}
}

func TestCreateUserValidation(t *testing.T) {
	f := newFixture(t)
	tech := []auth.Role{auth.Technician}
	cases := []struct {
		name  string
		in    auth.NewUser
		field string
	}{
		{"no username", auth.NewUser{Roles: tech, Password: "long-enough"}, "username"},
		{"username with space", auth.NewUser{Username: "a b", Roles: tech, Password: "long-enough"}, "username"},
		{"one-letter username", auth.NewUser{Username: "a", Roles: tech, Password: "long-enough"}, "username"},
		{"no roles", auth.NewUser{Username: "abc", Password: "long-enough"}, "roles"},
		{"unknown role", auth.NewUser{Username: "abc", Roles: []auth.Role{"superuser"}, Password: "long-enough"}, "roles"},
		{"role twice", auth.NewUser{Username: "abc", Roles: []auth.Role{auth.Admin, auth.Admin}, Password: "long-enough"}, "roles"},
		{"no credential", auth.NewUser{Username: "abc", Roles: tech}, "password"},
		{"short password", auth.NewUser{Username: "abc", Roles: tech, Password: "short"}, "password"},
		{"badge without PIN", auth.NewUser{Username: "abc", Roles: tech, Password: "long-enough", Badge: "ABC"}, "pin"},
		{"PIN without badge", auth.NewUser{Username: "abc", Roles: tech, PIN: "1234"}, "badge"},
		{"PIN with letters", auth.NewUser{Username: "abc", Roles: tech, Badge: "ABC", PIN: "12a4"}, "pin"},
		{"short PIN", auth.NewUser{Username: "abc", Roles: tech, Badge: "ABC", PIN: "123"}, "pin"},
		{"badge with space", auth.NewUser{Username: "abc", Roles: tech, Badge: "A B", PIN: "1234"}, "badge"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.CreateUser(context.Background(), f.admin, c.in)
			ae := wantErr(t, err, apperr.Invalid, "", c.field)
			if !strings.Contains(ae.Message, c.field) {
				t.Fatalf("message %q does not name %s", ae.Message, c.field)
			}
		})
	}
	if _, err := f.svc.CreateUser(context.Background(), f.admin, auth.NewUser{Username: "badgeonly", Roles: tech, Badge: "B1", PIN: "1234"}); err != nil {
		t.Fatalf("a badge-only account: %v", err)
	}
}

func TestThrottleLocksAndReleases(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	ctx := context.Background()
	wrong := auth.Credentials{Username: "tech1", Password: "not-the-one"}
	right := auth.Credentials{Username: "tech1", Password: "demo-tech1"}
	// A success gives its attempt back: it is no failure.
	f.login(t, right)
	for i := 1; i <= 4; i++ {
		_, _, err := f.svc.Login(ctx, wrong, "10.0.0.1")
		wantErr(t, err, apperr.Unauthorized, "bad_credentials", "")
	}
	// The fifth failure locks the account until its window ends.
	f.clock.Add(time.Minute)
	_, _, err := f.svc.Login(ctx, wrong, "10.0.0.1")
	if ae := wantErr(t, err, apperr.TooMany, "too_many_attempts", ""); ae.RetryAfter != 900 || !strings.Contains(ae.Message, "try again in 900 s") {
		t.Fatalf("lock: %+v", ae)
	}
	// Even the right password waits, from any address and any instance,
	// until fifteen minutes after the first failure.
	f.clock.Add(10 * time.Second)
	_, _, err = f.service().Login(ctx, right, "10.0.0.2")
	if ae := wantErr(t, err, apperr.TooMany, "too_many_attempts", ""); ae.RetryAfter != 15*60-70 {
		t.Fatalf("retry after %d; want %d", ae.RetryAfter, 15*60-70)
	}
	// The badge of the same account is locked too.
	_, _, err = f.svc.Login(ctx, auth.Credentials{Badge: "TECH1", PIN: "2468"}, "10.0.0.3")
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "")

	f.clock.Add(15*60*time.Second - 70*time.Second)
	f.login(t, right) // the window has ended
	_, _, err = f.svc.Login(ctx, wrong, "10.0.0.1")
	wantErr(t, err, apperr.Unauthorized, "bad_credentials", "")
	locked := 0
	for _, e := range events(t, f.st, audit.TypeLoginFailed) {
		if bytes.Contains(e.Payload, []byte("locked_until")) {
			locked++
		}
	}
	if locked != 1 {
		t.Fatalf("%d failures recorded a lock; want 1", locked)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	ctx := context.Background()
	// Twenty different names from one address: no account reaches its
	// limit, the address does.
	var err error
	for i := range 20 {
		_, _, err = f.svc.Login(ctx, auth.Credentials{Username: fmt.Sprintf("guess%d", i), Password: "password1"}, "192.0.2.7:4000")
	}
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "")
	_, _, err = f.svc.Login(ctx, auth.Credentials{Username: "tech1", Password: "demo-tech1"}, "192.0.2.7:4001")
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "")
	// Another address is not affected.
	if _, _, err := f.svc.Login(ctx, auth.Credentials{Username: "tech1", Password: "demo-tech1"}, "192.0.2.8:4000"); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	f.clock.Add(15 * time.Minute)
	if _, _, err := f.svc.Login(ctx, auth.Credentials{Username: "tech1", Password: "demo-tech1"}, "192.0.2.7:4002"); err != nil {
		t.Fatalf("login after the address lock: %v", err)
	}
}

func TestSessionsExpireWhenIdle(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	desk, _ := f.login(t, auth.Credentials{Username: "tech1", Password: "demo-tech1"})
	tablet, _ := f.login(t, auth.Credentials{Badge: "TECH1", PIN: "2468"})

	lastSeen := func(tok string) time.Time {
		var ts time.Time
		if err := f.st.DB.Get(&ts, `SELECT last_seen FROM sessions WHERE token_hash = sha256($1::bytea)`, []byte(tok)); err != nil {
			t.Fatal(err)
		}
		return ts.UTC()
	}
	start := f.clock.Now()
	f.clock.Add(10 * time.Second)
	if f.authenticate(t, tablet.Token) == nil {
		t.Fatal("a fresh tablet session was refused")
	}
	if !lastSeen(tablet.Token).Equal(start) {
		t.Fatal("last_seen written within 30 s of the previous write")
	}
	f.clock.Add(tabletIdle - 11*time.Second) // 1 s short of the timeout
	if f.authenticate(t, tablet.Token) == nil {
		t.Fatal("the tablet session expired early")
	}
	if !lastSeen(tablet.Token).Equal(f.clock.Now()) {
		t.Fatal("last_seen not moved after 30 s")
	}
	f.clock.Add(tabletIdle - time.Second)
	if f.authenticate(t, tablet.Token) == nil {
		t.Fatal("use did not extend the tablet session")
	}
	f.clock.Add(tabletIdle)
	if f.authenticate(t, tablet.Token) != nil {
		t.Fatal("the tablet session outlived its idle timeout")
	}
	// The desk session has the longer timeout.
	if f.authenticate(t, desk.Token) == nil {
		t.Fatal("the desk session expired with the tablet's timeout")
	}
	f.clock.Add(sessionIdle)
	if f.authenticate(t, desk.Token) != nil {
		t.Fatal("the desk session outlived its idle timeout")
	}
	for _, tok := range []string{"", "nonsense", strings.Repeat("x", 500)} {
		if f.authenticate(t, tok) != nil {
			t.Fatalf("token %q authenticated", tok)
		}
	}
}

func TestDeactivatedUserIsCutOff(t *testing.T) {
	f := newFixture(t)
	u := f.user(t, "tech1", auth.Technician)
	tok := mustLogin(t, f, "tech1")
	other := f.service() // a second instance caches nothing
	if p, _ := other.Authenticate(context.Background(), tok); p == nil {
		t.Fatal("the live session does not work on the second instance")
	}
	du, err := f.svc.Deactivate(context.Background(), f.admin, u.ID)
	if err != nil || du.Active || du.DeactivatedAt == nil {
		t.Fatalf("deactivate: %+v, %v", du, err)
	}
	if p, _ := other.Authenticate(context.Background(), tok); p != nil {
		t.Fatal("a deactivated user's live session still works")
	}
	_, _, err = f.svc.Login(context.Background(), auth.Credentials{Username: "tech1", Password: "demo-tech1"}, "")
	wantErr(t, err, apperr.Unauthorized, "deactivated", "")
	_, _, err = f.svc.Login(context.Background(), auth.Credentials{Username: "tech1", Password: "wrong-wrong"}, "")
	wantErr(t, err, apperr.Unauthorized, "bad_credentials", "")
	_, err = f.svc.Deactivate(context.Background(), f.admin, u.ID)
	wantErr(t, err, apperr.Conflict, "already_deactivated", "")
	var n int
	if err := f.st.DB.Get(&n, `SELECT count(*) FROM users WHERE id = $1`, u.ID); err != nil || n != 1 {
		t.Fatalf("the user row is gone (%d, %v); it must stay for the log", n, err)
	}
	if e := events(t, f.st, audit.TypeDeactivated); len(e) != 1 || !bytes.Contains(e[0].Payload, []byte(`"sessions_ended":1`)) {
		t.Fatalf("deactivation event %+v", e)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech1", auth.Technician)
	tok := mustLogin(t, f, "tech1")
	keep := mustLogin(t, f, "tech1")
	p := f.authenticate(t, tok)
	if err := f.svc.Logout(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if f.authenticate(t, tok) != nil {
		t.Fatal("the token works after logout")
	}
	if f.authenticate(t, keep) == nil {
		t.Fatal("logout ended the user's other session")
	}
	wantErr(t, f.svc.Logout(context.Background(), p), apperr.NotFound, "session_not_found", "")
	wantErr(t, f.svc.Logout(context.Background(), nil), apperr.Unauthorized, "unauthenticated", "")
	if e := events(t, f.st, audit.TypeLogout); len(e) != 1 || *e[0].ActorID != p.UserID {
		t.Fatalf("logout events %+v", e)
	}
}

func TestReauthPassword(t *testing.T) {
	f := newFixture(t)
	f.user(t, "pharm1", auth.Pharmacist)
	_, p := f.login(t, auth.Credentials{Username: "pharm1", Password: "demo-pharm1"})
	ctx := context.Background()
	for _, secret := range []string{"demo-pharm1", "2468"} {
		if err := f.svc.ReauthPassword(ctx, p, secret); err != nil {
			t.Fatalf("reauth with %s: %v", map[bool]string{true: "PIN", false: "password"}[secret == "2468"], err)
		}
	}
	wantErr(t, f.svc.ReauthPassword(ctx, p, ""), apperr.Invalid, "", "password")
	wantErr(t, f.svc.ReauthPassword(ctx, &auth.Principal{UserID: 9999, SessionID: "1"}, "x"), apperr.NotFound, "user_not_found", "")
	for i := 1; i <= 4; i++ {
		wantErr(t, f.svc.ReauthPassword(ctx, p, fmt.Sprint(1000+i)), apperr.Forbidden, "reauth_failed", "password")
	}
	// The session's fifth failure uses up its re-entries, for good.
	wantErr(t, f.svc.ReauthPassword(ctx, p, "wrong-again"), apperr.TooMany, "too_many_attempts", "password")
	wantErr(t, f.svc.ReauthPassword(ctx, p, "demo-pharm1"), apperr.TooMany, "too_many_attempts", "password")
	f.clock.Add(31 * time.Second)
	wantErr(t, f.svc.ReauthPassword(ctx, p, "demo-pharm1"), apperr.TooMany, "too_many_attempts", "password")
	// The account's login is not locked by them, and a new session signs.
	_, p2 := f.login(t, auth.Credentials{Username: "pharm1", Password: "demo-pharm1"})
	if err := f.svc.ReauthPassword(ctx, p2, "demo-pharm1"); err != nil {
		t.Fatalf("in a new session: %v", err)
	}
	if n := len(events(t, f.st, audit.TypeReauthFailed)); n != 5 {
		t.Fatalf("%d auth.reauth_failed events; want 5", n)
	}
}

// No password or PIN is ever stored in clear: search every text column of
// every table after accounts were made, used, failed and reset.
func TestSecretsNeverStoredInClear(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	secrets := []string{"Plaintext-Pass-1", "Plaintext-Pass-2", "86420975", "75318642", "root-password", "Wrong-Guess-123"}
	u, err := f.svc.CreateUser(ctx, f.admin, auth.NewUser{Username: "pharm7", Roles: []auth.Role{auth.Pharmacist}, Password: secrets[0], Badge: "P7", PIN: secrets[2]})
	if err != nil {
		t.Fatal(err)
	}
	f.login(t, auth.Credentials{Username: "pharm7", Password: secrets[0]})
	f.login(t, auth.Credentials{Badge: "P7", PIN: secrets[2]})
	f.svc.Login(ctx, auth.Credentials{Username: "pharm7", Password: secrets[5]}, "")
	f.svc.Login(ctx, auth.Credentials{Username: secrets[5], Password: secrets[5]}, "")
	_, p7 := f.login(t, auth.Credentials{Username: "pharm7", Password: secrets[0]})
	f.svc.ReauthPassword(ctx, p7, secrets[5])
	f.svc.ResetPassword(ctx, f.admin, u.ID, secrets[1])
	f.svc.ResetPIN(ctx, f.admin, u.ID, "", secrets[3])
	f.login(t, auth.Credentials{Username: "pharm7", Password: secrets[1]})

	var tables []string
	if err := f.st.DB.Select(&tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`); err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	for _, tbl := range tables {
		var rows []sql.NullString
		if err := f.st.DB.Select(&rows, `SELECT row_to_json(t)::text FROM "`+tbl+`" t`); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			dump.WriteString(r.String)
			dump.WriteByte('\n')
		}
	}
	if !strings.Contains(dump.String(), "pharm7") || !strings.Contains(dump.String(), "$argon2id$") {
		t.Fatal("the dump does not hold the account: the search would prove nothing")
	}
	// The last one was typed as a username too, which a failed login
	// records as its identifier; as a password it must not appear.
	for _, s := range secrets[:5] {
		if strings.Contains(dump.String(), s) {
			t.Errorf("the secret %q is stored in clear", s)
		}
	}
}

// BenchmarkLogin is a password login at the production hashing cost: one
// argon2id check (1 pass, 64 MiB) and the session's transaction.
func BenchmarkLogin(b *testing.B) {
	st := testdb.New(b)
	svc := auth.NewService(st, auth.Options{})
	ctx := context.Background()
	if _, err := svc.Provision(ctx, auth.NewUser{Username: "bench", Roles: []auth.Role{auth.Technician}, Password: "bench-password"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := svc.Login(ctx, auth.Credentials{Username: "bench", Password: "bench-password"}, "10.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate is what every authenticated request pays.
func BenchmarkAuthenticate(b *testing.B) {
	st := testdb.New(b)
	svc := auth.NewService(st, auth.Options{Hash: auth.FastParams})
	ctx := context.Background()
	if _, err := svc.Provision(ctx, auth.NewUser{Username: "bench", Roles: []auth.Role{auth.Technician}, Password: "bench-password"}); err != nil {
		b.Fatal(err)
	}
	s, _, err := svc.Login(ctx, auth.Credentials{Username: "bench", Password: "bench-password"}, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if p, err := svc.Authenticate(ctx, s.Token); p == nil || err != nil {
			b.Fatal(p, err)
		}
	}
}

// TestWrongPINSaysTriesLeft: a wrong PIN says how many tries are left
// before the badge is locked, counting down, and then the lock-out.
func TestWrongPINSaysTriesLeft(t *testing.T) {
	f := newFixture(t)
	f.user(t, "tech3", auth.Technician)
	for left := 4; left >= 1; left-- {
		_, _, err := f.svc.Login(context.Background(), auth.Credentials{Badge: "TECH3", PIN: "1111"}, "")
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != "bad_credentials" {
			t.Fatalf("wrong PIN: %v", err)
		}
		want := fmt.Sprintf("%d %s left", left, map[bool]string{true: "try", false: "tries"}[left == 1])
		if !strings.Contains(e.Message, want) || e.Fields["tries_left"] != strconv.Itoa(left) {
			t.Fatalf("wrong PIN %d: %q (fields %v), want %q", 5-left, e.Message, e.Fields, want)
		}
	}
	_, _, err := f.svc.Login(context.Background(), auth.Credentials{Badge: "TECH3", PIN: "1111"}, "")
	if !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("the fifth wrong PIN: %v, want the lock-out", err)
	}
}
