package store

import (
	"context"
	"io/fs"
)

// OpenWithQueries opens a store reading its SQL from fsys instead of the
// embedded files.
func OpenWithQueries(ctx context.Context, dsn string, fsys fs.FS) (*Store, error) {
	return open(ctx, dsn, fsys)
}

// QueryFS is the embedded SQL.
var QueryFS = queryFS
