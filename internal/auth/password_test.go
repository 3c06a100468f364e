package auth_test

import (
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/auth"
)

func TestHashAndCheckSecret(t *testing.T) {
	h, err := auth.HashSecret("demo-tech1", auth.FastParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the parameters", h)
	}
	if strings.Contains(h, "demo-tech1") {
		t.Fatal("the hash contains the password")
	}
	h2, _ := auth.HashSecret("demo-tech1", auth.FastParams)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	cases := []struct {
		name, secret string
		want         bool
	}{
		{"right", "demo-tech1", true},
		{"wrong", "demo-tech2", false},
		{"case matters", "DEMO-TECH1", false},
		{"prefix", "demo-tech", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, hash := range []string{h, h2} {
				ok, err := auth.CheckSecret(hash, c.secret)
				if err != nil || ok != c.want {
					t.Fatalf("CheckSecret(%q) = %v, %v; want %v", c.secret, ok, err, c.want)
				}
			}
		})
	}
}

func TestCheckSecretRefusesMalformedHashes(t *testing.T) {
	good, _ := auth.HashSecret("x", auth.FastParams)
	parts := strings.Split(good, "$")
	cases := map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":    strings.Replace(good, "v=19", "v=16", 1),
		"no params":      "$argon2id$v=19$$" + parts[4] + "$" + parts[5],
		"huge memory":    strings.Replace(good, "m=1024", "m=99999999", 1),
		"zero time":      strings.Replace(good, "t=1", "t=0", 1),
		"bad salt":       strings.Replace(good, parts[4], "!!!", 1),
		"short key":      strings.Replace(good, parts[5], "AAAA", 1),
		"extra segment":  good + "$x",
		"missing key":    strings.Join(parts[:5], "$"),
		"plain password": "demo-tech1",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			ok, err := auth.CheckSecret(h, "x")
			if err == nil || ok {
				t.Fatalf("CheckSecret(%q) = %v, %v; want an error", h, ok, err)
			}
		})
	}
}

func FuzzCheckSecret(f *testing.F) {
	// A hash of "pw", fixed so that every fuzzing process shares it.
	const pwHash = "$argon2id$v=19$m=1024,t=1,p=1$9QvaTFd6D8vFnthoL4Yobw$mr1vWSVLGFhw/KI9JdlDpgV0nysFq234np1i/Tyq+OU"
	if ok, err := auth.CheckSecret(pwHash, "pw"); !ok || err != nil {
		f.Fatalf("the fixed hash does not match: %v %v", ok, err)
	}
	f.Add(pwHash, "pw")
	f.Add(pwHash, "pW")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA", "x")
	f.Add("$argon2id$v=19$m=1,t=1,p=0$$", "")
	f.Fuzz(func(t *testing.T, encoded, secret string) {
		ok, err := auth.CheckSecret(encoded, secret)
		if err != nil && ok {
			t.Fatal("an error with a match")
		}
		// Only "pw" was ever hashed; a match for anything else would mean
		// the check accepts what it should not.
		if ok && secret != "pw" {
			t.Fatalf("hash %q matched %q", encoded, secret)
		}
	})
}

func TestCSRFToken(t *testing.T) {
	a, b := auth.CSRFToken("session-a"), auth.CSRFToken("session-b")
	if a == "" || a == b || a != auth.CSRFToken("session-a") {
		t.Fatalf("CSRF tokens %q, %q: want stable and per session", a, b)
	}
	if strings.Contains(a, "session-a") {
		t.Fatal("the CSRF token reveals the session token")
	}
	cases := []struct {
		name, session, given string
		want                 bool
	}{
		{"its own", "session-a", a, true},
		{"another session's", "session-a", b, false},
		{"empty", "session-a", "", false},
		{"no session", "", auth.CSRFToken(""), false},
		{"the session token itself", "session-a", "session-a", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := auth.ValidCSRF(c.session, c.given); got != c.want {
				t.Fatalf("ValidCSRF = %v; want %v", got, c.want)
			}
		})
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := auth.Credentials{Username: "tech1", Password: "hunter2-secret", Badge: "TECH1", PIN: "97531"}
	n := auth.NewUser{Username: "tech1", Password: "hunter2-secret", Badge: "TECH1", PIN: "97531"}
	for name, s := range map[string]string{
		"%v": fmtV(c), "%+v": fmtPlusV(c), "String": c.String(), "LogValue": c.LogValue().String(),
		"NewUser %v": fmtV(n), "NewUser %+v": fmtPlusV(n),
	} {
		if strings.Contains(s, "hunter2-secret") || strings.Contains(s, "97531") {
			t.Errorf("%s shows a secret: %s", name, s)
		}
		if !strings.Contains(s, "tech1") {
			t.Errorf("%s hides the username too: %s", name, s)
		}
	}
}

// BenchmarkCheckSecret is the argon2id cost of one login at DefaultParams.
func BenchmarkCheckSecret(b *testing.B) {
	h, err := auth.HashSecret("demo-tech1", auth.DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := auth.CheckSecret(h, "demo-tech1"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
