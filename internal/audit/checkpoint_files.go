package audit

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// VerifyWithCheckpoints is VerifyAgainst with the checkpoints of
// checkpointFile and the public keys of publicKeyFile. Without a
// checkpoint file only the chain is checked; checkpoints without their
// public key are an error (they cannot be checked).
func VerifyWithCheckpoints(ctx context.Context, db *sqlx.DB, checkpointFile, publicKeyFile string) (Report, error) {
	an, err := LoadAnchors(checkpointFile, publicKeyFile)
	if err != nil {
		return Report{}, err
	}
	return VerifyAgainst(ctx, db, an)
}

// LatestCheckpoints returns the last n checkpoints of file, newest first.
func LatestCheckpoints(file string, n int) ([]Checkpoint, error) {
	all, err := ReadCheckpoints(file)
	if err != nil {
		return nil, err
	}
	out := make([]Checkpoint, 0, min(n, len(all)))
	for i := len(all) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, all[i])
	}
	return out, nil
}
