package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
)

// Throttle is the failed-login policy. Every attempt is counted per
// account and per client address before its secret is checked, and a
// success gives its count back; once a counter holds its limit within
// Window, further attempts on it are refused (even with the right secret)
// until that window ends. Re-authentication inside a session (a pharmacist
// signing) is counted per session instead, SessionLimit per session, so
// that strangers failing at the account's login cannot stop a signed-in
// pharmacist from signing.
type Throttle struct {
	AccountLimit int
	AddressLimit int
	SessionLimit int
	Window       time.Duration
}

// DefaultThrottle allows five wrong passwords or PINs per account (a
// four-digit PIN must not be guessable) and twenty per address in fifteen
// minutes, and five wrong re-entries per session.
var DefaultThrottle = Throttle{AccountLimit: 5, AddressLimit: 20, SessionLimit: 5, Window: 15 * time.Minute}

// sessionWindow is how long a session's failed re-entries are remembered:
// longer than any session lives unused.
const sessionWindow = 24 * time.Hour

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

	// dummies holds stand-in hashes by cost, checked when a login names
	// no account, for even timing (see burnTime).
	dummies sync.Map

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

// withTriesLeft says how many tries are left before the badge (or the
// name) is locked; the count is kept for any badge or name typed, known or
// not, so it reveals nothing about which accounts exist.
func withTriesLeft(err error, left int, window time.Duration) error {
	e, ok := err.(*apperr.Error)
	if !ok || left < 1 {
		return err
	}
	tries := "tries"
	if left == 1 {
		tries = "try"
	}
	e.Message += fmt.Sprintf(": %d %s left before it is locked for %d minutes", left, tries, int(window.Minutes()))
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields["tries_left"] = strconv.Itoa(left)
	return e
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
// past the limit it answers TooMany with RetryAfter. Its stages: find the
// account, count the attempt, check the secret, then refuse (recorded) or
// open the session.
func (s *Service) Login(ctx context.Context, c Credentials, remoteAddr string) (Session, *Principal, error) {
	c, tablet, err := c.normalise()
	if err != nil {
		return Session{}, nil, err
	}
	at, err := s.findAccount(ctx, c, tablet, remoteAddr)
	if err != nil {
		return Session{}, nil, err
	}
	if err := s.countAttempt(ctx, at); err != nil {
		return Session{}, nil, err
	}
	ok, reason, err := s.checkCredentials(ctx, at)
	if err != nil {
		return Session{}, nil, err
	}
	if !ok {
		return Session{}, nil, s.refuse(ctx, at, reason)
	}
	return s.openSession(ctx, at)
}

// loginAttempt is one login on its way through Login's stages.
type loginAttempt struct {
	tablet bool
	// method is "password" or "badge"; ident the name or badge typed and
	// secret the password or PIN.
	method, ident, secret string
	user                  store.User
	known                 bool
	remoteAddr            string
	now                   time.Time
	// keys are the throttle's counters of this attempt, counts their
	// values after it, counted their names.
	keys    []store.ThrottleKey
	counts  []int
	counted []string
}

// findAccount looks the account up by username or badge; an unknown one
// is not an error yet (the attempt is counted and refused like any other).
func (s *Service) findAccount(ctx context.Context, c Credentials, tablet bool, remoteAddr string) (*loginAttempt, error) {
	at := &loginAttempt{tablet: tablet, method: "password", ident: c.Username, secret: c.Password,
		remoteAddr: remoteAddr, now: s.opt.Now().UTC()}
	var err error
	if tablet {
		at.method, at.ident, at.secret = "badge", c.Badge, c.PIN
		at.user, err = s.st.UserByBadge(ctx, c.Badge)
	} else {
		at.user, err = s.st.UserByUsername(ctx, c.Username)
	}
	at.known = err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	acct := "name:" + redactedKey(c.Username)
	if tablet {
		acct = "badge:" + redactedKey(c.Badge)
	}
	if at.known {
		acct = userKey(at.user.ID)
	}
	at.keys = []store.ThrottleKey{{Key: acct, Limit: s.opt.Throttle.AccountLimit}}
	if k := addrKey(remoteAddr); k != "" {
		at.keys = append(at.keys, store.ThrottleKey{Key: k, Limit: s.opt.Throttle.AddressLimit})
	}
	return at, nil
}

// countAttempt counts the attempt before the secret is checked, in one
// step per attempt: of any number of simultaneous guesses, only the
// limit's worth are checked.
func (s *Service) countAttempt(ctx context.Context, at *loginAttempt) error {
	until, counts, err := s.st.CountAttempt(ctx, at.keys, at.now, s.opt.Throttle.Window)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return tooMany(until, at.now)
	}
	at.counts = counts
	at.counted = make([]string, len(at.keys))
	for i, k := range at.keys {
		at.counted[i] = k.Key
	}
	return nil
}

// checkCredentials checks the secret (taking as long for an unknown
// account) and the account's state; reason says why it failed.
func (s *Service) checkCredentials(ctx context.Context, at *loginAttempt) (ok bool, reason string, err error) {
	u := at.user
	hash, secretName := u.PasswordHash, "password"
	if at.tablet {
		hash, secretName = u.PINHash, "pin"
	}
	reason = "unknown_" + at.method
	switch {
	case !at.known || hash == "":
		s.burnTime(ctx, at.secret, at.tablet)
		if at.known {
			reason = "no_" + secretName
		}
	default:
		ok, err = s.checkSecret(ctx, hash, at.secret)
		if err != nil {
			_ = s.st.ReleaseAttempt(ctx, at.counted) // not the caller's failure
			return false, "", apperr.Wrap(fmt.Errorf("user %d: %w", u.ID, err), "check credentials")
		}
		reason = "wrong_" + secretName
	}
	if ok && !u.Active {
		ok, reason = false, "deactivated"
	}
	return ok, reason, nil
}

// refuse records a failed login and returns the caller's answer.
func (s *Service) refuse(ctx context.Context, at *loginAttempt, reason string) error {
	// A name nobody has may be a password typed into the wrong box: the
	// log keeps only its length.
	ident := at.ident
	if !at.known {
		ident = fmt.Sprintf("[unknown, %d characters]", utf8.RuneCountInString(ident))
	}
	f := store.LoginFailure{
		At: at.now, LockedUntil: s.lockedBy(at.keys, at.counts, at.now), Type: audit.TypeLoginFailed,
		Payload: map[string]any{"method": at.method, "identifier": ident, "reason": reason, "remote_addr": remoteHost(at.remoteAddr)},
	}
	if at.known {
		f.ActorID = &at.user.ID
	}
	if err := s.st.RecordLoginFailure(ctx, f); err != nil {
		return err
	}
	if reason == "deactivated" {
		return apperr.WithCode(apperr.Unauthorized, "deactivated", "this account is deactivated; ask an admin")
	}
	if !f.LockedUntil.IsZero() {
		return tooMany(f.LockedUntil, at.now)
	}
	return withTriesLeft(badCredentials(at.tablet), s.opt.Throttle.AccountLimit-at.counts[0], s.opt.Throttle.Window)
}

// openSession starts the session of a successful login; the attempt's
// counters are released in the same step.
func (s *Service) openSession(ctx context.Context, at *loginAttempt) (Session, *Principal, error) {
	token, th, err := newToken()
	if err != nil {
		return Session{}, nil, apperr.Wrap(err, "create session token")
	}
	idle := s.opt.SessionIdle
	if at.tablet {
		idle = s.opt.TabletIdle
	}
	u, host := at.user, remoteHost(at.remoteAddr)
	ss, err := s.st.StartSession(ctx, store.NewSession{
		TokenHash: th, UserID: u.ID, Tablet: at.tablet, Idle: idle, RemoteAddr: host, At: at.now,
		ReleaseThrottle: at.counted,
		Payload:         map[string]any{"method": at.method, "tablet": at.tablet, "remote_addr": host},
	})
	if err != nil {
		return Session{}, nil, err
	}
	sess := Session{ID: ss.ID, Token: token, CSRFToken: CSRFToken(token), UserID: u.ID, Tablet: at.tablet, IdleTimeout: idle, CreatedAt: at.now}
	return sess, principalOf(u.ID, u.Username, u.Roles, ss.ID, at.tablet), nil
}

// lockedBy returns when the first of keys that this failure filled to
// its limit reopens (zero: none is full). A window starts with its first
// attempt, so a full one ends at most Window from now.
func (s *Service) lockedBy(keys []store.ThrottleKey, counts []int, now time.Time) time.Time {
	for i, k := range keys {
		if counts[i] >= k.Limit {
			return now.Add(s.opt.Throttle.Window)
		}
	}
	return time.Time{}
}

// redactedKey names a typed identifier in a throttle key without keeping
// it: what is typed into a name box is sometimes a password.
func redactedKey(ident string) string {
	sum := sha256.Sum256([]byte(ident))
	return hex.EncodeToString(sum[:12])
}

func remoteHost(remoteAddr string) string {
	return strings.TrimPrefix(addrKey(remoteAddr), "addr:")
}

// burnTime spends what a real check costs, so an unknown account cannot be
// told from a wrong password by the answer's speed: it checks the secret
// against a stand-in hash of the cost most accounts' hashes carry (the
// demo accounts' cheap one on a demo, the production one elsewhere).
func (s *Service) burnTime(ctx context.Context, secret string, pin bool) {
	if h := s.standIn(ctx, pin); h != "" {
		_, _ = s.checkSecret(ctx, h, secret)
	}
}

// standIn returns a hash of a secret nobody has, at the cost most active
// accounts' password (or PIN) hashes carry; the service's own cost when
// there are none.
func (s *Service) standIn(ctx context.Context, pin bool) string {
	p := s.opt.Hash
	if cost, err := s.st.CommonHashCost(ctx, pin); err == nil && cost != "" {
		if q, ok := parseCost(cost); ok {
			p = q
		}
	}
	if h, ok := s.dummies.Load(p); ok {
		return h.(string)
	}
	h, err := HashSecret("laminar-stand-in-secret", p)
	if err != nil {
		return ""
	}
	s.dummies.Store(p, h)
	return h
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
// pharmacist re-enters it to verify a preparation. It is counted per
// session (SessionLimit failures, then TooMany), not against the account's
// login counter: someone failing at the account's login elsewhere cannot
// stop the signed-in pharmacist from signing, and a session cannot be used
// to guess more than its limit. A wrong secret is Forbidden with code
// "reauth_failed" on field "password" (not Unauthorized: the session
// itself is still good).
func (s *Service) ReauthPassword(ctx context.Context, p *Principal, secret string) error {
	if p == nil {
		return apperr.WithCode(apperr.Unauthorized, "unauthenticated", "log in first")
	}
	if secret == "" {
		return apperr.InvalidField("password", "enter your password or PIN to sign")
	}
	if len(secret) > maxSecret {
		return apperr.InvalidField("password", "the password is longer than %d characters", maxSecret)
	}
	now := s.opt.Now().UTC()
	u, err := s.st.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	if !u.Active {
		return apperr.WithCode(apperr.Unauthorized, "deactivated", "this account is deactivated")
	}
	keys := []store.ThrottleKey{{Key: "session:" + p.SessionID, Limit: s.opt.Throttle.SessionLimit}}
	until, counts, err := s.st.CountAttempt(ctx, keys, now, sessionWindow)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return reauthLocked()
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
		if err != nil {
			_ = s.st.ReleaseAttempt(ctx, []string{keys[0].Key})
			if apperr.Is(err, apperr.Unavailable) {
				return err
			}
			return apperr.Wrap(fmt.Errorf("user %d: %w", u.ID, err), "check credentials")
		}
		if ok {
			return s.st.ReleaseAttempt(ctx, []string{keys[0].Key})
		}
	}
	full := counts[0] >= keys[0].Limit
	f := store.LoginFailure{At: now, Type: audit.TypeReauthFailed, ActorID: &u.ID,
		Payload: map[string]any{"user_id": u.ID, "username": u.Username, "session_id": p.SessionID}}
	if full {
		f.Payload["session_locked"] = true
	}
	if err := s.st.RecordLoginFailure(ctx, f); err != nil {
		return err
	}
	if full {
		return reauthLocked()
	}
	return &apperr.Error{Kind: apperr.Forbidden, Code: "reauth_failed", Field: "password", Message: "the password or PIN is wrong"}
}

// reauthLocked is the answer once a session has used up its re-entries.
func reauthLocked() error {
	return &apperr.Error{Kind: apperr.TooMany, Code: "too_many_attempts", Field: "password",
		Message: "too many wrong passwords or PINs in this session; log out and log in again to sign"}
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
