package app

import (
	"time"

	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/store"
)

// newAuthenticator builds the session/token authenticator.
func newAuthenticator(st *store.Store, cfg config.Config, now func() time.Time) httpapi.Authenticator {
	return nil
}
