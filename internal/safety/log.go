package safety

import (
	"context"

	"github.com/laminar-rx/laminar/internal/audit"
)

// Log lists the compounding log's entries that match the filter (one page
// when it has a limit).
func (s *Service) Log(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	return audit.List(ctx, s.st.DB, f)
}

// EachLogEntry calls fn with every matching entry in turn, reading through
// the store's small pool of long streaming reads, never the main one: an
// export of the whole log holds one of its connections, not one the
// screens need. An error from fn stops the reading and is returned.
func (s *Service) EachLogEntry(ctx context.Context, f audit.Filter, fn func(audit.Entry) error) error {
	db, err := s.st.Streams()
	if err != nil {
		return err
	}
	return audit.Each(ctx, db, f, fn)
}

// VerifyLog checks the log's hash chain and its signed checkpoints (read
// from the checkpoint file, checked with the public keys in keyFile).
func (s *Service) VerifyLog(ctx context.Context, checkpointFile, keyFile string) (audit.Report, error) {
	return audit.VerifyWithCheckpoints(ctx, s.st.DB, checkpointFile, keyFile)
}
