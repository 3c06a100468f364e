package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
)

// Throttle is the failed-login policy. Failures are counted per account and
// per client address within Window; at the limit the key locks for
// LockBase, doubling with each further failure up to LockMax.
type Throttle struct {
	AccountLimit int
	AddressLimit int
	Window       time.Duration
	LockBase     time.Duration
	LockMax      time.Duration
}

// DefaultThrottle allows five wrong passwords or PINs per account (a
// four-digit PIN must not be guessable) and twenty per address in fifteen
// minutes, then locks for 30 s, 60 s, 120 s ... up to 15 minutes.
var DefaultThrottle = Throttle{AccountLimit: 5, AddressLimit: 20, Window: 15 * time.Minute, LockBase: 30 * time.Second, LockMax: 15 * time.Minute}

// lockFor is how long a key with failures failures is locked.
func (t Throttle) lockFor(key string, failures int) time.Duration {
	limit := t.AccountLimit
	if strings.HasPrefix(key, "addr:") {
		limit = t.AddressLimit
	}
	if failures < limit {
		return 0
	}
	d := t.LockBase
	for i := limit; i < failures && d < t.LockMax; i++ {
		d *= 2
	}
	return min(d, t.LockMax)
}

// Options configure a Service.
type Options struct {
	// SessionIdle and TabletIdle end password and badge sessions unused for
	// that long.
	SessionIdle, TabletIdle time.Duration
	// Now is the clock (nil: time.Now); tests move it.
	Now func() time.Time
	// Hash is the cost of new password and PIN hashes (zero: DefaultParams).
	Hash Params
	// Throttle is the failed-login policy (zero: DefaultThrottle).
	Throttle Throttle
	// Log receives operational warnings; never secrets.
	Log *slog.Logger
}

// touchEvery limits last-seen writes to one per session per interval; the
// idle timeouts are minutes, so this costs at most that much precision.
const touchEvery = 30 * time.Second

// Service logs people in and out, resolves tokens and manages accounts.
// All its state is in PostgreSQL, so any number of instances may share it.
type Service struct {
	st  *store.Store
	opt Options

	dummyOnce sync.Once
	dummy     string // a hash to check when there is no user, for even timing

	// hashing bounds concurrent argon2 runs: each takes Hash.Memory, and a
	// burst of logins at shift change must not take the server's memory.
	hashing chan struct{}
}

// NewService returns the auth service over st.
func NewService(st *store.Store, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Hash == (Params{}) {
		opt.Hash = DefaultParams
	}
	if opt.Throttle == (Throttle{}) {
		opt.Throttle = DefaultThrottle
	}
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 8 * time.Hour
	}
	if opt.TabletIdle <= 0 {
		opt.TabletIdle = 15 * time.Minute
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{st: st, opt: opt, hashing: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
}

// checkSecret is CheckSecret within the concurrency bound.
func (s *Service) checkSecret(ctx context.Context, hash, secret string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	return CheckSecret(hash, secret)
}

// hashSecret is HashSecret at the service's cost, within the bound.
func (s *Service) hashSecret(ctx context.Context, secret string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return HashSecret(secret, s.opt.Hash)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &apperr.Error{Kind: apperr.Unavailable, Code: "busy", Message: "the server is busy checking other logins; try again", Err: ctx.Err()}
	}
}

// Credentials are what a person types or scans to log in: Username and
// Password, or Badge and PIN.
type Credentials struct {
	Username string
	Password string
	Badge    string
	PIN      string
}

// String never shows the secrets, so a stray %v cannot log them.
func (c Credentials) String() string {
	return fmt.Sprintf("{Username:%q Password:[redacted] Badge:%q PIN:[redacted]}", c.Username, c.Badge)
}

// LogValue keeps the secrets out of structured logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("badge", c.Badge))
}

// Session is a new login. Token is the bearer token and cookie value; it
// is returned once and stored only as a hash.
type Session struct {
	ID          int64
	Token       string
	CSRFToken   string
	UserID      int64
	Tablet      bool
	IdleTimeout time.Duration
	CreatedAt   time.Time
}

// badCredentials is the one answer to a wrong name, badge, password or PIN,
// so that the answer does not reveal which accounts exist.
func badCredentials(tablet bool) error {
	if tablet {
		return apperr.WithCode(apperr.Unauthorized, "bad_credentials", "the badge or PIN is wrong")
	}
	return apperr.WithCode(apperr.Unauthorized, "bad_credentials", "the username or password is wrong")
}

func tooMany(until, now time.Time) error {
	secs := int((until.Sub(now) + time.Second - 1) / time.Second)
	secs = max(secs, 1)
	return &apperr.Error{Kind: apperr.TooMany, Code: "too_many_attempts", RetryAfter: secs,
		Message: fmt.Sprintf("too many failed attempts; try again in %d s", secs)}
}

// normalise checks the shape of c and returns it trimmed and cased as stored.
func (c Credentials) normalise() (Credentials, bool, error) {
	c.Username = strings.ToLower(strings.TrimSpace(c.Username))
	c.Badge = strings.ToUpper(strings.TrimSpace(c.Badge))
	byPassword := c.Username != "" || c.Password != ""
	byBadge := c.Badge != "" || c.PIN != ""
	switch {
	case byPassword && byBadge:
		return c, false, apperr.InvalidField("badge", "send either username and password or badge and pin, not both")
	case !byPassword && !byBadge:
		return c, false, apperr.InvalidField("username", "send username and password, or badge and pin")
	case byPassword && c.Username == "":
		return c, false, apperr.InvalidField("username", "the username is missing")
	case byPassword && c.Password == "":
		return c, false, apperr.InvalidField("password", "the password is missing")
	case byBadge && c.Badge == "":
		return c, false, apperr.InvalidField("badge", "the badge is missing: scan it")
	case byBadge && c.PIN == "":
		return c, false, apperr.InvalidField("pin", "the PIN is missing")
	case len(c.Username) > 64:
		return c, false, apperr.InvalidField("username", "the username is longer than 64 characters")
	case len(c.Password) > maxSecret:
		return c, false, apperr.InvalidField("password", "the password is longer than %d characters", maxSecret)
	case len(c.Badge) > 64:
		return c, false, apperr.InvalidField("badge", "the badge is longer than 64 characters")
	case len(c.PIN) > maxSecret:
		return c, false, apperr.InvalidField("pin", "the PIN is longer than %d characters", maxSecret)
	}
	return c, byBadge, nil
}

// maxSecret bounds what is fed to argon2.
const maxSecret = 256

// addrKey is the throttle key of a client address ("" when unknown).
func addrKey(remoteAddr string) string {
	host := strings.TrimSpace(remoteAddr)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" {
		return ""
	}
	return "addr:" + host
}

func userKey(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// Login checks credentials and opens a session. Failures are counted per
// account and per address (remoteAddr, "host:port" or "host") and audited;
// past the limit it answers TooMany with RetryAfter.
func (s *Service) Login(ctx context.Context, c Credentials, remoteAddr string) (Session, *Principal, error) {
	c, tablet, err := c.normalise()
	if err != nil {
		return Session{}, nil, err
	}
	now := s.opt.Now().UTC()
	method, ident, secret := "password", c.Username, c.Password
	var u store.User
	if tablet {
		method, ident, secret = "badge", c.Badge, c.PIN
		u, err = s.st.UserByBadge(ctx, c.Badge)
	} else {
		u, err = s.st.UserByUsername(ctx, c.Username)
	}
	known := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Session{}, nil, err
	}
	acct := "name:" + c.Username
	if tablet {
		acct = "badge:" + c.Badge
	}
	if known {
		acct = userKey(u.ID)
	}
	keys := []string{acct}
	if k := addrKey(remoteAddr); k != "" {
		keys = append(keys, k)
	}
	locks, err := s.st.LoginLocks(ctx, keys, now)
	if err != nil {
		return Session{}, nil, err
	}
	var until time.Time
	for _, t := range locks {
		if t.After(until) {
			until = t
		}
	}
	if !until.IsZero() {
		return Session{}, nil, tooMany(until, now)
	}

	hash, secretName := u.PasswordHash, "password"
	if tablet {
		hash, secretName = u.PINHash, "pin"
	}
	ok, reason := false, "unknown_"+method
	switch {
	case !known || hash == "":
		s.burnTime(ctx, secret)
		if known {
			reason = "no_" + secretName
		}
	default:
		ok, err = s.checkSecret(ctx, hash, secret)
		if err != nil {
			return Session{}, nil, apperr.Wrap(fmt.Errorf("user %d: %w", u.ID, err), "check credentials")
		}
		reason = "wrong_" + secretName
	}
	if ok && !u.Active {
		ok, reason = false, "deactivated"
	}
	if !ok {
		f := store.LoginFailure{
			Keys: keys, At: now, Window: s.opt.Throttle.Window, LockFor: s.opt.Throttle.lockFor,
			Type:    audit.TypeLoginFailed,
			Payload: map[string]any{"method": method, "identifier": ident, "reason": reason, "remote_addr": remoteHost(remoteAddr)},
		}
		if known {
			f.ActorID = &u.ID
		}
		locked, err := s.st.RecordLoginFailure(ctx, f)
		if err != nil {
			return Session{}, nil, err
		}
		if reason == "deactivated" {
			return Session{}, nil, apperr.WithCode(apperr.Unauthorized, "deactivated", "this account is deactivated; ask an admin")
		}
		if !locked.IsZero() {
			return Session{}, nil, tooMany(locked, now)
		}
		return Session{}, nil, badCredentials(tablet)
	}

	token, th, err := newToken()
	if err != nil {
		return Session{}, nil, apperr.Wrap(err, "create session token")
	}
	idle := s.opt.SessionIdle
	if tablet {
		idle = s.opt.TabletIdle
	}
	ss, err := s.st.StartSession(ctx, store.NewSession{
		TokenHash: th, UserID: u.ID, Tablet: tablet, Idle: idle, RemoteAddr: remoteHost(remoteAddr), At: now,
		ClearThrottle: []string{acct},
		Payload:       map[string]any{"method": method, "tablet": tablet, "remote_addr": remoteHost(remoteAddr)},
	})
	if err != nil {
		return Session{}, nil, err
	}
	sess := Session{ID: ss.ID, Token: token, CSRFToken: CSRFToken(token), UserID: u.ID, Tablet: tablet, IdleTimeout: idle, CreatedAt: now}
	return sess, principalOf(u.ID, u.Username, u.Roles, ss.ID, tablet), nil
}

func remoteHost(remoteAddr string) string {
	return strings.TrimPrefix(addrKey(remoteAddr), "addr:")
}

// burnTime spends what a real check costs, so an unknown account cannot be
// told from a wrong password by the answer's speed.
func (s *Service) burnTime(ctx context.Context, secret string) {
	s.dummyOnce.Do(func() {
		s.dummy, _ = HashSecret("laminar-dummy-secret", s.opt.Hash)
	})
	if s.dummy != "" {
		_, _ = s.checkSecret(ctx, s.dummy, secret)
	}
}

func principalOf(userID int64, username string, roles []string, sessionID int64, tablet bool) *Principal {
	p := &Principal{UserID: userID, Username: username, SessionID: strconv.FormatInt(sessionID, 10), Tablet: tablet}
	for _, r := range roles {
		p.Roles = append(p.Roles, Role(r))
	}
	return p
}

// Authenticate resolves a bearer token or session cookie. It returns
// (nil, nil) for an unknown, ended or idle-expired token and for a
// deactivated user, whose live sessions stop working at once; roles are
// read afresh on every request.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" || len(token) > 128 {
		return nil, nil
	}
	su, err := s.st.SessionByToken(ctx, tokenHash(token))
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if su.EndedAt != nil || !su.Active {
		return nil, nil
	}
	now := s.opt.Now().UTC()
	idle := now.Sub(su.LastSeen)
	if idle >= time.Duration(su.IdleSeconds)*time.Second {
		return nil, nil
	}
	if idle >= touchEvery {
		if err := s.st.TouchSession(ctx, su.ID, now); err != nil {
			return nil, err
		}
	}
	return principalOf(su.UserID, su.Username, su.Roles, su.ID, su.Tablet), nil
}

// Logout ends the caller's session and records auth.logout.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if p == nil {
		return apperr.WithCode(apperr.Unauthorized, "unauthenticated", "log in first")
	}
	id, err := strconv.ParseInt(p.SessionID, 10, 64)
	if err != nil {
		return apperr.Wrap(fmt.Errorf("session id %q: %w", p.SessionID, err), "logout")
	}
	return s.st.EndSession(ctx, id, "logout", store.Change{ActorID: &p.UserID, At: s.opt.Now().UTC()})
}

// ReauthPassword checks a logged-in user's password or PIN again, as a
// pharmacist re-enters it to verify a preparation. It shares the account's
// failure counter with Login, so a PIN cannot be guessed here either; a
// wrong secret is Forbidden with code "reauth_failed" on field "password"
// (not Unauthorized: the session itself is still good).
func (s *Service) ReauthPassword(ctx context.Context, userID int64, secret string) error {
	if secret == "" {
		return apperr.InvalidField("password", "enter your password or PIN to sign")
	}
	if len(secret) > maxSecret {
		return apperr.InvalidField("password", "the password is longer than %d characters", maxSecret)
	}
	now := s.opt.Now().UTC()
	key := userKey(userID)
	locks, err := s.st.LoginLocks(ctx, []string{key}, now)
	if err != nil {
		return err
	}
	if until, ok := locks[key]; ok {
		return tooMany(until, now)
	}
	u, err := s.st.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.Active {
		return apperr.WithCode(apperr.Unauthorized, "deactivated", "this account is deactivated")
	}
	// Try the likelier secret first: digits are probably the PIN.
	hashes := []string{u.PasswordHash, u.PINHash}
	if isDigits(secret) {
		hashes[0], hashes[1] = hashes[1], hashes[0]
	}
	for _, h := range hashes {
		if h == "" {
			continue
		}
		ok, err := s.checkSecret(ctx, h, secret)
		if apperr.Is(err, apperr.Unavailable) {
			return err
		}
		if err != nil {
			return apperr.Wrap(fmt.Errorf("user %d: %w", u.ID, err), "check credentials")
		}
		if ok {
			return nil
		}
	}
	locked, err := s.st.RecordLoginFailure(ctx, store.LoginFailure{
		Keys: []string{key}, At: now, Window: s.opt.Throttle.Window, LockFor: s.opt.Throttle.lockFor,
		Type: audit.TypeReauthFailed, ActorID: &u.ID, Payload: map[string]any{"user_id": u.ID, "username": u.Username},
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		return tooMany(locked, now)
	}
	return &apperr.Error{Kind: apperr.Forbidden, Code: "reauth_failed", Field: "password", Message: "the password or PIN is wrong"}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// requireAdmin is account management's own check: the route table refuses
// everyone but admins first, this is the second lock on the door.
func requireAdmin(actor *Principal) error {
	if !actor.Has(Admin) {
		return apperr.WithCode(apperr.Forbidden, "forbidden", "only an admin may manage users")
	}
	return nil
}
