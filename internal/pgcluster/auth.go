package pgcluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lib/pq"
)

// The cluster's roles. Superuser migrates and sets up; OwnerRole (which
// cannot log in) owns every table, trigger and function of the schema;
// AppRole is what the server connects as: it reads and writes rows, and
// cannot change the schema, disable a trigger, run programs on the server
// or write the compounding log except through its append function.
const (
	OwnerRole = "laminar_owner"
	AppRole   = "laminar_app"
)

// SecretsFile is the file in the data directory holding the cluster's
// passwords, readable only by the user that started the cluster.
const SecretsFile = "laminar-passwords"

// secrets are the cluster's passwords.
type secrets struct {
	Superuser string
	App       string
}

// newPassword returns 256 random bits in hex: nothing to quote anywhere.
func newPassword() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("pgcluster: no randomness for a password: %v", err))
	}
	return hex.EncodeToString(b)
}

// readSecrets reads the passwords file; a missing file (a cluster made
// before passwords were required) gives empty secrets.
func readSecrets(dir string) (secrets, error) {
	path := filepath.Join(dir, SecretsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return secrets{}, nil
	}
	if err != nil {
		return secrets{}, fmt.Errorf("read the database passwords: %w", err)
	}
	// Whoever could read it could log in: keep it private even if someone
	// loosened it.
	if err := os.Chmod(path, 0o600); err != nil {
		return secrets{}, err
	}
	var s secrets
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch k {
		case Superuser:
			s.Superuser = v
		case AppRole:
			s.App = v
		}
	}
	if s.Superuser == "" {
		return secrets{}, fmt.Errorf("%s has no password for %s", path, Superuser)
	}
	return s, nil
}

// writeSecrets replaces the passwords file atomically, mode 0600.
func writeSecrets(dir string, s secrets) error {
	path := filepath.Join(dir, SecretsFile)
	tmp := path + ".new"
	body := fmt.Sprintf("# Passwords of Laminar's private PostgreSQL roles; keep this file private.\n%s %s\n%s %s\n",
		Superuser, s.Superuser, AppRole, s.App)
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		return fmt.Errorf("write the database passwords: %w", err)
	}
	return os.Rename(tmp, path)
}

// hba admits nobody without the password, on the socket as on loopback.
const hba = `# Laminar's private cluster: every connection proves its role's password
# (SCRAM-SHA-256). The socket's directory is the data directory, which only
# the cluster's user can enter; TCP, when enabled, is loopback only.
local all all                scram-sha-256
host  all all 127.0.0.1/32   scram-sha-256
host  all all ::1/128        scram-sha-256
`

// writeHBA writes pg_hba.conf in place (keeping its owner, the cluster's user).
func writeHBA(dir string) error {
	path := filepath.Join(dir, "pg_hba.conf")
	if b, err := os.ReadFile(path); err == nil && string(b) == hba {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.WriteString(hba); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// setUpRoles gives a legacy (trusting) cluster its passwords, then makes
// sure the owner and application roles exist with the application's
// password.
func (c *Cluster) setUpRoles(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	if c.legacy {
		// This cluster was created trusting every local connection: set
		// the superuser's password, then require it from now on.
		c.secret = secrets{Superuser: newPassword(), App: newPassword()}
		if _, err := db.ExecContext(ctx, `ALTER ROLE `+Superuser+` PASSWORD `+pq.QuoteLiteral(c.secret.Superuser)); err != nil {
			return fmt.Errorf("set the superuser's password: %w", err)
		}
		if err := writeSecrets(c.dir, c.secret); err != nil {
			return err
		}
		if err := writeHBA(c.dir); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `SELECT pg_reload_conf()`); err != nil {
			return fmt.Errorf("reload the authentication rules: %w", err)
		}
		c.legacy = false
		// Connections from now on need the password: start afresh.
		db.Close()
		if db, err = sql.Open("postgres", c.DSN("postgres")); err != nil {
			return err
		}
		defer db.Close()
	}
	if c.secret.App == "" {
		c.secret.App = newPassword()
		if err := writeSecrets(c.dir, c.secret); err != nil {
			return err
		}
	}
	stmts := []string{
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '` + OwnerRole + `') THEN
				CREATE ROLE ` + OwnerRole + ` NOLOGIN;
			END IF;
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '` + AppRole + `') THEN
				CREATE ROLE ` + AppRole + `;
			END IF;
		END $$`,
		`ALTER ROLE ` + AppRole + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD ` + pq.QuoteLiteral(c.secret.App),
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("set up the database roles: %w", err)
		}
	}
	return nil
}

// Secure hands every table, sequence, view and function of database
// name's public schema to OwnerRole and lets AppRole read and write rows
// of every table except appendOnly ones (and the migration record), which
// it may only read; those change through their owner's SECURITY DEFINER
// functions. Run it after every migration: new objects are the migrating
// superuser's until then.
func (c *Cluster) Secure(ctx context.Context, name string, appendOnly []string) error {
	db, err := sql.Open("postgres", c.DSN(name))
	if err != nil {
		return err
	}
	defer db.Close()
	readOnly := append([]string{"goose_db_version"}, appendOnly...)
	quoted := make([]string, len(readOnly))
	for i, t := range readOnly {
		quoted[i] = pq.QuoteLiteral(pq.QuoteIdentifier(t))
	}
	stmts := []string{
		`REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
		`ALTER SCHEMA public OWNER TO ` + OwnerRole,
		// Tables first: their serial sequences follow them.
		`DO $$ DECLARE r record; BEGIN
			FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
				AND c.relowner <> '` + OwnerRole + `'::regrole LOOP
				EXECUTE format('ALTER TABLE %s OWNER TO ` + OwnerRole + `', r.name);
			END LOOP;
			FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> '` + OwnerRole + `'::regrole LOOP
				EXECUTE format('ALTER SEQUENCE %s OWNER TO ` + OwnerRole + `', r.name);
			END LOOP;
			FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
				WHERE n.nspname = 'public' AND p.proowner <> '` + OwnerRole + `'::regrole LOOP
				EXECUTE format('ALTER ROUTINE %s OWNER TO ` + OwnerRole + `', r.name);
			END LOOP;
			FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
				WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
				AND t.typowner <> '` + OwnerRole + `'::regrole LOOP
				EXECUTE format('ALTER TYPE %s OWNER TO ` + OwnerRole + `', r.name);
			END LOOP;
		END $$`,
		`GRANT CONNECT, TEMPORARY ON DATABASE ` + pq.QuoteIdentifier(name) + ` TO ` + AppRole,
		`GRANT USAGE ON SCHEMA public TO ` + AppRole,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + AppRole,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + AppRole,
		`DO $$ DECLARE t text; BEGIN
			FOREACH t IN ARRAY ARRAY[` + strings.Join(quoted, ", ") + `]::text[] LOOP
				IF to_regclass(t) IS NOT NULL THEN
					EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %s FROM ` + AppRole + `', to_regclass(t));
				END IF;
			END LOOP;
		END $$`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("secure database %s: %w", name, err)
		}
	}
	return nil
}
