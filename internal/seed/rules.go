package seed

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/store"
)

// seedRules makes sure the USP <797> (2023) rule table is in force. The
// migration already inserts it on every database, so this only acts on a
// database that somehow has no version at all.
func seedRules(ctx context.Context, st *store.Store, _ time.Time) error {
	_, err := st.EnsureDefaultBUDRules(ctx)
	return err
}
