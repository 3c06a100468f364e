// Package migrations holds Laminar's database schema as numbered goose SQL
// files, embedded in the binary. Each file runs in its own transaction.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
