package auth

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
)

// User is an account as the admin API shows it: never a hash.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	// Role is the primary role: the first of Roles.
	Role          Role       `json:"role"`
	Roles         []Role     `json:"roles"`
	Badge         string     `json:"badge,omitempty"`
	HasPassword   bool       `json:"has_password"`
	HasPIN        bool       `json:"has_pin"`
	Active        bool       `json:"active"`
	CreatedAt     time.Time  `json:"created_at"`
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
}

func userOf(u store.User) User {
	out := User{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Badge: u.Badge,
		HasPassword: u.PasswordHash != "", HasPIN: u.PINHash != "", Active: u.Active,
		CreatedAt: u.CreatedAt, DeactivatedAt: u.DeactivatedAt, Roles: []Role{},
	}
	for _, r := range u.Roles {
		out.Roles = append(out.Roles, Role(r))
	}
	if len(out.Roles) > 0 {
		out.Role = out.Roles[0]
	}
	return out
}

// NewUser is an account to create. It needs a password, or a badge and
// PIN, or both; the first role is the primary one.
type NewUser struct {
	Username    string `json:"username" validate:"required,username"`
	DisplayName string `json:"display_name" validate:"max=200"`
	Roles       []Role `json:"roles" validate:"required,min=1,max=5,unique,dive,role"`
	Password    string `json:"password" validate:"required_without=PIN,omitempty,password"`
	Badge       string `json:"badge" validate:"required_with=PIN,omitempty,badge"`
	PIN         string `json:"pin" validate:"required_with=Badge,omitempty,pin"`
}

// String never shows the secrets.
func (n NewUser) String() string {
	return "{Username:" + n.Username + " Roles:" + rolesString(n.Roles) + " Badge:" + n.Badge + " Password:[redacted] PIN:[redacted]}"
}

func rolesString(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)
	badgePattern    = regexp.MustCompile(`^[\x21-\x7E]{1,64}$`)
	pinPattern      = regexp.MustCompile(`^[0-9]{4,8}$`)
)

// validate checks inputs with go-playground/validator and Laminar's own
// rules; its errors name the JSON field.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must := func(tag string, fn validator.Func) {
		if err := v.RegisterValidation(tag, fn); err != nil {
			panic(err)
		}
	}
	must("username", func(fl validator.FieldLevel) bool { return usernamePattern.MatchString(fl.Field().String()) })
	must("badge", func(fl validator.FieldLevel) bool { return badgePattern.MatchString(fl.Field().String()) })
	must("pin", func(fl validator.FieldLevel) bool { return pinPattern.MatchString(fl.Field().String()) })
	must("password", func(fl validator.FieldLevel) bool {
		n := len([]rune(fl.Field().String()))
		return n >= 8 && len(fl.Field().String()) <= maxSecret
	})
	must("role", func(fl validator.FieldLevel) bool { return ValidRole(Role(fl.Field().String())) })
	return v
}

// messages say what each rule expects.
var messages = map[string]string{
	"required":         "is required",
	"required_without": "is required (a password, or a badge and PIN)",
	"required_with":    "is required together with the badge and PIN",
	"min":              "needs at least one entry",
	"max":              "is too long",
	"unique":           "lists a role twice",
	"username":         "must be 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
	"badge":            "must be 1 to 64 printable characters without spaces",
	"pin":              "must be 4 to 8 digits",
	"password":         "must be 8 to 256 characters",
	"role":             "must be one of technician, pharmacist, safety_officer, admin, interface",
}

// checkInput runs the validator and turns its report into one apperr with
// every bad field.
func checkInput(v any) error {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	verrs, ok := err.(validator.ValidationErrors)
	if !ok {
		return apperr.Wrap(err, "validate input")
	}
	out := &apperr.Error{Kind: apperr.Invalid, Code: "invalid", Fields: map[string]string{}}
	for _, fe := range verrs {
		field := fe.Field()
		if strings.HasPrefix(fe.Namespace(), "NewUser.roles[") || strings.Contains(fe.Field(), "[") {
			field = "roles"
		}
		msg := messages[fe.Tag()]
		if msg == "" {
			msg = "is not valid (" + fe.Tag() + ")"
		}
		if _, seen := out.Fields[field]; !seen {
			out.Fields[field] = field + " " + msg
		}
		if out.Field == "" {
			out.Field, out.Message = field, field+" "+msg
		}
	}
	return out
}

func normaliseRoles(rs []Role) []Role {
	out := make([]Role, len(rs))
	for i, r := range rs {
		out[i] = Role(strings.ToLower(strings.TrimSpace(string(r))))
	}
	return out
}

// CreateUser creates an account; only an admin may.
func (s *Service) CreateUser(ctx context.Context, actor *Principal, in NewUser) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	return s.createUser(ctx, &actor.UserID, in)
}

// Provision creates an account on behalf of the system itself (demo data,
// the first admin of a new site); it has no actor and no HTTP route.
func (s *Service) Provision(ctx context.Context, in NewUser) (User, error) {
	return s.createUser(ctx, nil, in)
}

func (s *Service) createUser(ctx context.Context, actorID *int64, in NewUser) (User, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.Badge = strings.ToUpper(strings.TrimSpace(in.Badge))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Roles = normaliseRoles(in.Roles)
	if err := checkInput(in); err != nil {
		return User{}, err
	}
	nu := store.NewUser{Username: in.Username, DisplayName: in.DisplayName, Badge: in.Badge}
	for _, r := range in.Roles {
		nu.Roles = append(nu.Roles, string(r))
	}
	var err error
	if in.Password != "" {
		if nu.PasswordHash, err = s.hashSecret(ctx, in.Password); err != nil {
			return User{}, apperr.Wrap(err, "hash password")
		}
	}
	if in.PIN != "" {
		if nu.PINHash, err = s.hashSecret(ctx, in.PIN); err != nil {
			return User{}, apperr.Wrap(err, "hash PIN")
		}
	}
	u, err := s.st.CreateUser(ctx, nu, store.Change{ActorID: actorID, At: s.opt.Now().UTC()})
	if apperr.Is(err, apperr.Conflict) {
		if strings.Contains(err.Error(), "badge") {
			return User{}, &apperr.Error{Kind: apperr.Conflict, Code: "badge_taken", Field: "badge", Message: "another user already has badge " + in.Badge}
		}
		return User{}, &apperr.Error{Kind: apperr.Conflict, Code: "username_taken", Field: "username", Message: "the username " + in.Username + " is taken"}
	}
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// Users lists every account; only an admin may.
func (s *Service) Users(ctx context.Context, actor *Principal) ([]User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	us, err := s.st.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = userOf(u)
	}
	return out, nil
}

// User returns one account; only an admin may look up others.
func (s *Service) User(ctx context.Context, actor *Principal, id int64) (User, error) {
	if actor == nil || (actor.UserID != id && !actor.Has(Admin)) {
		return User{}, requireAdmin(actor)
	}
	u, err := s.st.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// roleChange is the input of SetRoles.
type roleChange struct {
	Roles []Role `json:"roles" validate:"required,min=1,max=5,unique,dive,role"`
}

// SetRoles replaces an account's roles (the first becomes primary); only
// an admin may, and an admin may not drop their own admin role, so that
// the site is never left without one by accident.
func (s *Service) SetRoles(ctx context.Context, actor *Principal, id int64, roles []Role) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	in := roleChange{Roles: normaliseRoles(roles)}
	if err := checkInput(in); err != nil {
		return User{}, err
	}
	if id == actor.UserID && !slices.Contains(in.Roles, Admin) {
		return User{}, &apperr.Error{Kind: apperr.Conflict, Code: "own_admin_role", Field: "roles", Message: "you cannot remove your own admin role; ask another admin"}
	}
	strs := make([]string, len(in.Roles))
	for i, r := range in.Roles {
		strs[i] = string(r)
	}
	u, err := s.st.SetUserRoles(ctx, id, strs, store.Change{ActorID: &actor.UserID, At: s.opt.Now().UTC()})
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// passwordReset is the input of ResetPassword.
type passwordReset struct {
	Password string `json:"password" validate:"required,password"`
}

// ResetPassword sets a new password and ends the account's sessions; only
// an admin may.
func (s *Service) ResetPassword(ctx context.Context, actor *Principal, id int64, password string) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	if err := checkInput(passwordReset{Password: password}); err != nil {
		return User{}, err
	}
	h, err := s.hashSecret(ctx, password)
	if err != nil {
		return User{}, apperr.Wrap(err, "hash password")
	}
	u, err := s.st.SetUserPassword(ctx, id, h, store.Change{ActorID: &actor.UserID, At: s.opt.Now().UTC()})
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// pinReset is the input of ResetPIN.
type pinReset struct {
	Badge string `json:"badge" validate:"omitempty,badge"`
	PIN   string `json:"pin" validate:"required,pin"`
}

// ResetPIN sets a new PIN (and badge, when badge is not empty) and ends
// the account's sessions; only an admin may. An account without a badge
// needs one given here.
func (s *Service) ResetPIN(ctx context.Context, actor *Principal, id int64, badge, pin string) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	in := pinReset{Badge: strings.ToUpper(strings.TrimSpace(badge)), PIN: pin}
	if err := checkInput(in); err != nil {
		return User{}, err
	}
	if in.Badge == "" {
		cur, err := s.st.UserByID(ctx, id)
		if err != nil {
			return User{}, err
		}
		if cur.Badge == "" {
			return User{}, apperr.InvalidField("badge", "this user has no badge yet: give one with the PIN")
		}
	}
	h, err := s.hashSecret(ctx, pin)
	if err != nil {
		return User{}, apperr.Wrap(err, "hash PIN")
	}
	u, err := s.st.SetUserPIN(ctx, id, in.Badge, h, store.Change{ActorID: &actor.UserID, At: s.opt.Now().UTC()})
	if apperr.Is(err, apperr.Conflict) {
		return User{}, &apperr.Error{Kind: apperr.Conflict, Code: "badge_taken", Field: "badge", Message: "another user already has badge " + in.Badge}
	}
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// Deactivate disables an account for good and ends its sessions at once;
// only an admin may, and not on their own account.
func (s *Service) Deactivate(ctx context.Context, actor *Principal, id int64) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	if id == actor.UserID {
		return User{}, apperr.WithCode(apperr.Conflict, "own_account", "you cannot deactivate your own account; ask another admin")
	}
	u, err := s.st.DeactivateUser(ctx, id, store.Change{ActorID: &actor.UserID, At: s.opt.Now().UTC()})
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}
