package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
)

// newToken returns a fresh session token (256 random bits, URL-safe) and
// the hash under which it is stored.
func newToken() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("read random token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, tokenHash(tok), nil
}

// tokenHash is what the sessions table keeps instead of the token.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CSRFToken returns the anti-forgery token that goes with a session token:
// an HMAC keyed by the session token, so it needs no storage, differs per
// session and cannot be computed by a page that cannot read the cookie.
func CSRFToken(sessionToken string) string {
	if sessionToken == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("laminar csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidCSRF reports whether given is the CSRF token of sessionToken.
func ValidCSRF(sessionToken, given string) bool {
	if sessionToken == "" || given == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(CSRFToken(sessionToken)), []byte(given)) == 1
}
