package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of new hashes. Existing hashes
// carry their own parameters, so raising the cost never locks anyone out.
type Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams is the production cost: one pass over 64 MiB, two lanes
// (RFC 9106's second recommended option, with fewer passes for the
// cleanroom tablets' patience).
var DefaultParams = Params{Time: 1, Memory: 64 * 1024, Threads: 2, SaltLen: 16, KeyLen: 32}

// DemoParams hash the demo accounts. Their passwords are published in the
// README, so hashing cost protects nothing there; a cheap hash keeps
// `serve --demo` and every test suite that seeds the demo data quick. Real
// accounts use DefaultParams.
var DemoParams = Params{Time: 1, Memory: 8 * 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

// FastParams are for tests only: cheap enough that hundreds of logins take
// no time, and never used by the server.
var FastParams = Params{Time: 1, Memory: 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

// b64 is strict so that one hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

// HashSecret returns the argon2id hash of a password or PIN in the PHC
// string form "$argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash>".
func HashSecret(secret string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash means a stored hash is not one this code wrote.
var errBadHash = errors.New("stored hash is not an argon2id PHC string")

// CheckSecret reports whether secret matches the stored hash, in constant
// time for a given hash.
func CheckSecret(encoded, secret string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parseCost reads a PHC cost segment "m=65536,t=1,p=2" into Params of
// the usual salt and key lengths.
func parseCost(seg string) (Params, bool) {
	p := Params{SaltLen: 16, KeyLen: 32}
	if _, err := fmt.Sscanf(seg, "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, false
	}
	if p.Time < 1 || p.Time > 16 || p.Memory < 8 || p.Memory > 1<<20 || p.Threads < 1 {
		return Params{}, false
	}
	return p, true
}

func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q", errBadHash, parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", errBadHash, parts[3])
	}
	// Refuse absurd costs: a tampered row must not be able to exhaust memory.
	if p.Time < 1 || p.Time > 16 || p.Memory < 8 || p.Memory > 1<<20 || p.Threads < 1 {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", errBadHash)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", errBadHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: key", errBadHash)
	}
	return p, salt, key, nil
}
