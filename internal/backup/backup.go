// Package backup writes and restores Laminar backups: one tar file holding
// a manifest, the audit checkpoint file and public key of the data
// directory (when present) and a pg_dump custom-format archive of the
// database. pg_dump reads the whole database in one snapshot, so a backup
// taken while servers write is consistent; the checkpoint file is read
// before the snapshot is taken, so every checkpoint in a backup names
// events that the backup's database holds.
//
// The signing key itself is never in a backup (whoever holds a backup
// could otherwise forge checkpoints); the manifest records its public
// key's fingerprint so the key kept elsewhere can be matched to it.
package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/audit"
)

// The files of a backup, in the order they are written.
const (
	ManifestName    = "laminar-backup.json"
	CheckpointsName = "audit-checkpoints.jsonl"
	PublicKeyName   = "audit.pub"
	DumpName        = "database.pgdump"
)

// FormatVersion is the version of the backup's layout.
const FormatVersion = 1

// Manifest describes a backup.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// SchemaVersion is the database's migration version when dumped.
	SchemaVersion int64 `json:"schema_version"`
	// AuditEvents and AuditHead are the compounding log's length and last
	// hash in the dumped snapshot; a restore checks them.
	AuditEvents int64  `json:"audit_events"`
	AuditHead   string `json:"audit_head"`
	// AuditKeyFingerprints name the public keys of the checkpoints (the
	// signing key in use is the last), none when the data directory had
	// no public key file.
	AuditKeyFingerprints []string `json:"audit_key_fingerprints,omitempty"`
	// Files are the other entries with their sizes and SHA-256.
	Files []File `json:"files"`
}

// File is one entry of the backup.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is what a backup is taken from.
type Source struct {
	// DSN is a libpq connection string or postgres:// URL; its password,
	// if any, reaches pg_dump through the environment, not its arguments.
	DSN string
	// Tools finds pg_dump.
	Tools Tools
	// DataDir holds the audit checkpoint file and public key.
	DataDir string
}

// Create writes a backup to path: first to a temporary file beside it,
// renamed into place only when complete, so a failed or interrupted
// backup never leaves a file that looks like a backup.
func Create(ctx context.Context, src Source, path string) (Manifest, error) {
	m := Manifest{Format: FormatVersion, CreatedAt: time.Now().UTC()}
	// The data directory's files first: see the package comment.
	extra, err := readDataFiles(src.DataDir)
	if err != nil {
		return m, err
	}
	if _, ok := extra[PublicKeyName]; ok {
		keys, err := audit.ReadPublicKeys(filepath.Join(src.DataDir, PublicKeyName))
		if err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
		for _, k := range keys {
			m.AuditKeyFingerprints = append(m.AuditKeyFingerprints, audit.Fingerprint(k))
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	dump, err := os.CreateTemp(dir, ".laminar-dump-*")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(dump.Name())
	defer dump.Close()
	snap, release, err := snapshot(ctx, src.DSN, &m)
	if err != nil {
		return m, err
	}
	err = runDump(ctx, src, snap, dump)
	release()
	if err != nil {
		return m, err
	}
	return m, writeArchive(path, &m, extra, dump)
}

// readDataFiles reads the checkpoint file and public key, when present.
func readDataFiles(dataDir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if dataDir == "" {
		return out, nil
	}
	for _, name := range []string{CheckpointsName, PublicKeyName} {
		b, err := os.ReadFile(filepath.Join(dataDir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		out[name] = b
	}
	return out, nil
}

// runDump runs pg_dump in custom format into out.
func runDump(ctx context.Context, src Source, snap string, out *os.File) error {
	bin, err := src.Tools.Find("pg_dump")
	if err != nil {
		return err
	}
	conn, password := splitPassword(src.DSN)
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-password", "--snapshot="+snap, "--dbname="+conn)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
	cmd.Stdout = out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if err := out.Sync(); err != nil {
		return err
	}
	_, err = out.Seek(0, io.SeekStart)
	return err
}

// writeArchive writes the tar file: manifest, data files, dump.
func writeArchive(path string, m *Manifest, extra map[string][]byte, dump *os.File) error {
	sum := sha256.New()
	size, err := io.Copy(sum, dump)
	if err != nil {
		return fmt.Errorf("backup: read the dump: %w", err)
	}
	if _, err := dump.Seek(0, io.SeekStart); err != nil {
		return err
	}
	names := []string{}
	for _, name := range []string{CheckpointsName, PublicKeyName} {
		if b, ok := extra[name]; ok {
			h := sha256.Sum256(b)
			m.Files = append(m.Files, File{Name: name, Size: int64(len(b)), SHA256: hex.EncodeToString(h[:])})
			names = append(names, name)
		}
	}
	m.Files = append(m.Files, File{Name: DumpName, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil))})
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".laminar-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	tw := tar.NewWriter(tmp)
	entry := func(name string, size int64, r io.Reader) error {
		hdr := &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	if err := entry(ManifestName, int64(len(manifest)), strings.NewReader(string(manifest))); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, name := range names {
		if err := entry(name, int64(len(extra[name])), strings.NewReader(string(extra[name]))); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := entry(DumpName, size, dump); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
