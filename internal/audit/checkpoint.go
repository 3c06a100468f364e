package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
)

// A Checkpoint is a signed statement, kept outside the database, that the
// log held Events events ending at LastID with hash LastHash, the last
// dated LastAt. A database administrator can rewrite the log and every
// later hash so that the chain checks out again, but cannot sign a
// checkpoint without the key: Verify compares the log with every
// checkpoint and names the first contradiction.
type Checkpoint struct {
	LastID   int64     `json:"last_id"`
	LastHash string    `json:"last_hash"`
	LastAt   time.Time `json:"last_at"`
	Events   int64     `json:"events"`
	SignedAt time.Time `json:"signed_at"`
	// Key is the fingerprint of the public key that checks Signature.
	Key       string `json:"key"`
	Signature string `json:"signature"`
}

// signed is the exact text a checkpoint's signature covers.
func (c Checkpoint) signed() []byte {
	return fmt.Appendf(nil, "laminar audit checkpoint v1\nlast_id=%d\nlast_hash=%s\nlast_at=%s\nevents=%d\nsigned_at=%s\n",
		c.LastID, c.LastHash, c.LastAt.UTC().Format(time.RFC3339Nano), c.Events, c.SignedAt.UTC().Format(time.RFC3339Nano))
}

// Fingerprint names a public key: the first 16 bytes of its SHA-256, in hex.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// LoadOrCreateKey reads the Ed25519 signing key at keyPath, creating it
// (mode 0600) when it does not exist, and makes sure its public key is in
// pubPath (appended: older keys stay, so older checkpoints still check). A
// key file others can read is refused: whoever reads it can sign.
func LoadOrCreateKey(keyPath, pubPath string) (ed25519.PrivateKey, error) {
	priv, err := readKey(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		priv, err = createKey(keyPath)
	}
	if err != nil {
		return nil, err
	}
	pub := priv.Public().(ed25519.PublicKey)
	keys, err := ReadPublicKeys(pubPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, k := range keys {
		if k.Equal(pub) {
			return priv, nil
		}
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(pubPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("audit public key: %w", err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PUBLIC KEY", Bytes: der}); err != nil {
		return nil, err
	}
	return priv, f.Sync()
}

func readKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit key %s has mode %v: others can read it and sign checkpoints; make it private (chmod 600) and consider the key compromised", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("audit key %s is not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit key %s is not an Ed25519 key", path)
	}
	return priv, nil
}

func createKey(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) { // another process made it first
		return readKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create the audit key: %w", err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, err
	}
	return priv, f.Sync()
}

// ReadPublicKeys reads every Ed25519 public key in a PEM file.
func ReadPublicKeys(path string) ([]ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []ed25519.PublicKey
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s holds a key that is not Ed25519", path)
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no public key", path)
	}
	return keys, nil
}

// TakeCheckpoint signs the log's current head with priv and appends the
// checkpoint to file. With onlyIfMoved, nothing is written when the last
// checkpoint in file already names the same head (zero Checkpoint, nil).
func TakeCheckpoint(ctx context.Context, db *sqlx.DB, priv ed25519.PrivateKey, file string, onlyIfMoved bool) (Checkpoint, error) {
	q, err := sqlText()
	if err != nil {
		return Checkpoint{}, err
	}
	var c Checkpoint
	var lastAt sql.NullTime
	if err := db.QueryRowxContext(ctx, q.CheckpointHead).Scan(&c.LastID, &c.LastHash, &c.Events, &lastAt, &c.SignedAt); err != nil {
		return Checkpoint{}, fmt.Errorf("read the log's head: %w", err)
	}
	if lastAt.Valid {
		c.LastAt = lastAt.Time.UTC()
	}
	c.SignedAt = c.SignedAt.UTC()
	c.Key = Fingerprint(priv.Public().(ed25519.PublicKey))
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, c.signed()))
	line, err := json.Marshal(c)
	if err != nil {
		return Checkpoint{}, err
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("open the checkpoint file: %w", err)
	}
	defer f.Close()
	// serve's periodic checkpoint and the command may run at once.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return Checkpoint{}, err
	}
	if onlyIfMoved {
		existing, err := ReadCheckpoints(file)
		if err == nil && len(existing) > 0 {
			last := existing[len(existing)-1]
			if last.LastID == c.LastID && last.LastHash == c.LastHash && last.Key == c.Key {
				return Checkpoint{}, nil
			}
		}
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return Checkpoint{}, fmt.Errorf("append the checkpoint: %w", err)
	}
	return c, f.Sync()
}

// ReadCheckpoints reads a checkpoint file, one JSON object a line; a
// missing file is no checkpoints. A line that does not parse is an error
// naming it: a damaged checkpoint file is itself a finding.
func ReadCheckpoints(file string) ([]Checkpoint, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("%s line %d is not a checkpoint: %w", file, n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// Anchors are what Verify checks the log against: signed checkpoints and
// the public keys that may have signed them.
type Anchors struct {
	Checkpoints []Checkpoint
	Keys        []ed25519.PublicKey
}

// LoadAnchors reads the checkpoint file and the public key file; with no
// checkpoints there is nothing to check and no key is needed.
func LoadAnchors(checkpointFile, publicKeyFile string) (Anchors, error) {
	cps, err := ReadCheckpoints(checkpointFile)
	if err != nil || len(cps) == 0 {
		return Anchors{}, err
	}
	keys, err := ReadPublicKeys(publicKeyFile)
	if err != nil {
		return Anchors{}, fmt.Errorf("the checkpoints cannot be checked: %w", err)
	}
	return Anchors{Checkpoints: cps, Keys: keys}, nil
}

// checkSignature reports whether one of keys signed c.
func (a Anchors) checkSignature(c Checkpoint) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil {
		return false
	}
	for _, k := range a.Keys {
		if Fingerprint(k) == c.Key && ed25519.Verify(k, c.signed(), sig) {
			return true
		}
	}
	return false
}

// Label names a checkpoint in a finding.
func (c Checkpoint) Label(n int) string {
	return "checkpoint " + strconv.Itoa(n) + " (signed " + c.SignedAt.UTC().Format(time.RFC3339) + ")"
}
