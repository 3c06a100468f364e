package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Target is where a backup is restored.
type Target struct {
	// DSN is an empty database.
	DSN string
	// Tools finds pg_restore.
	Tools Tools
	// DataDir receives the checkpoint file and public key; it must not
	// hold either yet.
	DataDir string
	// Role, when set, owns what is restored (pg_restore --role); else the
	// role of DSN does.
	Role string
}

// Open reads a backup's manifest and checks every entry against it: a
// truncated or altered backup is refused before anything is restored.
func Open(path string) (Manifest, error) {
	var m Manifest
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != ManifestName {
		return m, fmt.Errorf("%s is not a Laminar backup (no %s first)", path, ManifestName)
	}
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
		return m, fmt.Errorf("%s: unreadable manifest: %w", path, err)
	}
	if m.Format != FormatVersion {
		return m, fmt.Errorf("%s: backup format %d; this Laminar reads format %d", path, m.Format, FormatVersion)
	}
	want := map[string]File{}
	for _, fl := range m.Files {
		want[fl.Name] = fl
	}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("%s: %w", path, err)
		}
		fl, ok := want[hdr.Name]
		if !ok {
			return m, fmt.Errorf("%s: unexpected entry %q", path, hdr.Name)
		}
		h := sha256.New()
		n, err := io.Copy(h, tr)
		if err != nil {
			return m, fmt.Errorf("%s: %s: %w", path, hdr.Name, err)
		}
		if n != fl.Size || hex.EncodeToString(h.Sum(nil)) != fl.SHA256 {
			return m, fmt.Errorf("%s: %s does not match its checksum: the backup is damaged", path, hdr.Name)
		}
		delete(want, hdr.Name)
	}
	for name := range want {
		return m, fmt.Errorf("%s: %s is missing: the backup is incomplete", path, name)
	}
	return m, nil
}

// Restore checks the backup, loads its dump into the empty database, checks
// the compounding log arrived whole and puts the checkpoint file and public
// key back into the data directory.
func Restore(ctx context.Context, t Target, path string) (Manifest, error) {
	m, err := Open(path)
	if err != nil {
		return m, err
	}
	for _, fl := range m.Files {
		if fl.Name == DumpName {
			continue
		}
		if _, err := os.Stat(filepath.Join(t.DataDir, fl.Name)); err == nil {
			return m, fmt.Errorf("restore: %s already holds %s: restore into an empty data directory", t.DataDir, fl.Name)
		}
	}
	db, err := sql.Open("postgres", t.DSN)
	if err != nil {
		return m, err
	}
	defer db.Close()
	if err := checkEmpty(ctx, db); err != nil {
		return m, err
	}
	files, err := load(ctx, t, path)
	if err != nil {
		return m, err
	}
	var events int64
	var head string
	if err := db.QueryRowContext(ctx, `SELECT events, last_hash FROM audit_head`).Scan(&events, &head); err != nil {
		return m, fmt.Errorf("restore: read the compounding log's head: %w", err)
	}
	if events != m.AuditEvents || head != m.AuditHead {
		return m, fmt.Errorf("restore: the compounding log has %d events ending %s; the backup recorded %d ending %s", events, head, m.AuditEvents, m.AuditHead)
	}
	if err := os.MkdirAll(t.DataDir, 0o750); err != nil {
		return m, err
	}
	for name, b := range files {
		mode := os.FileMode(0o600)
		if name == PublicKeyName {
			mode = 0o644
		}
		if err := os.WriteFile(filepath.Join(t.DataDir, name), b, mode); err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
	}
	return m, nil
}

// checkEmpty refuses a database that holds any table, view or sequence
// outside the system schemas.
func checkEmpty(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'
		AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`).Scan(&n)
	if err != nil {
		return fmt.Errorf("restore: connect to the database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("restore: the database is not empty (%d tables, views or sequences): restore into an empty database", n)
	}
	return nil
}

// load streams the dump entry into pg_restore (one transaction: all or
// nothing) and returns the data files read on the way.
func load(ctx context.Context, t Target, path string) (map[string][]byte, error) {
	bin, err := t.Tools.Find("pg_restore")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("restore: %s has no database dump: %w", path, err)
		}
		switch hdr.Name {
		case ManifestName:
			continue
		case CheckpointsName, PublicKeyName:
			if files[hdr.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	conn, password := splitPassword(t.DSN)
	args := []string{"--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--no-password", "--dbname=" + conn}
	if t.Role != "" {
		args = append(args, "--role="+t.Role)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
	cmd.Stdin = tr
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pg_restore: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return files, nil
}
