package app

import (
	"time"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/store"
)

// newAuthenticator builds the session/token authenticator: the auth
// service, whose sessions live in PostgreSQL so every instance shares them.
func newAuthenticator(st *store.Store, cfg config.Config, now func() time.Time) httpapi.Authenticator {
	return auth.NewService(st, auth.Options{SessionIdle: cfg.SessionIdle, TabletIdle: cfg.TabletIdle, Now: now})
}
