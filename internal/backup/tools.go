package backup

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Tools says where the PostgreSQL client programs are.
type Tools struct {
	// BinDir, when set, is searched first (LAMINAR_PG_BIN, or the private
	// cluster's server binaries, whose version matches the server).
	BinDir string
}

// Find returns the path of a client program: in BinDir, else in the
// newest /usr/lib/postgresql/*/bin (pg_dump must not be older than the
// server), else on PATH.
func (t Tools) Find(name string) (string, error) {
	if t.BinDir != "" {
		p := filepath.Join(t.BinDir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Slice(matches, func(i, j int) bool { return majorOf(matches[i]) > majorOf(matches[j]) })
	if len(matches) > 0 {
		return matches[0], nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: install the PostgreSQL client (Debian: apt-get install postgresql-client), or set LAMINAR_PG_BIN", name)
}

func majorOf(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// splitPassword takes the password out of a libpq keyword string or a
// postgres:// URL, so that it travels in PGPASSWORD rather than in the
// process list.
func splitPassword(dsn string) (conn, password string) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn, ""
		}
		if u.User != nil {
			password, _ = u.User.Password()
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if p := q.Get("password"); p != "" {
			password = p
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		return u.String(), password
	}
	var kept []string
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "password="); ok {
			password = v
			continue
		}
		kept = append(kept, f)
	}
	return strings.Join(kept, " "), password
}

// snapshot opens a repeatable-read transaction, exports its snapshot for
// pg_dump and records the schema version and the log's head as that
// snapshot sees them, so the manifest describes exactly what is dumped.
// The transaction must stay open until pg_dump has started; close it with
// the returned function.
func snapshot(ctx context.Context, dsn string, m *Manifest) (id string, done func(), err error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return "", nil, err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		db.Close()
		return "", nil, fmt.Errorf("backup: connect to the database: %w", err)
	}
	done = func() {
		_ = tx.Rollback()
		db.Close()
	}
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&id); err != nil {
		done()
		return "", nil, fmt.Errorf("backup: export a snapshot: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version`).Scan(&m.SchemaVersion); err != nil {
		done()
		return "", nil, fmt.Errorf("backup: read the schema version (is this a Laminar database?): %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT events, last_hash FROM audit_head`).Scan(&m.AuditEvents, &m.AuditHead); err != nil {
		done()
		return "", nil, fmt.Errorf("backup: read the compounding log's head: %w", err)
	}
	return id, done, nil
}
