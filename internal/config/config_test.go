package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "localhost:8080" || !c.Embedded() || c.Location != time.UTC {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if !strings.HasSuffix(c.PGDir(), "/.laminar/pg") {
		t.Fatalf("PGDir = %s", c.PGDir())
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		name, key, value string
	}{
		{"addr without port", "LAMINAR_ADDR", "localhost"},
		{"addr port not a number", "LAMINAR_ADDR", "localhost:http8"},
		{"addr port too large", "LAMINAR_ADDR", ":70000"},
		{"bad url", "DATABASE_URL", "mysql://x"},
		{"bad tz", "LAMINAR_TZ", "Mars/Olympus"},
		{"bad level", "LAMINAR_LOG_LEVEL", "loud"},
		{"bad body limit", "LAMINAR_BODY_LIMIT", "12"},
		{"bad idle", "LAMINAR_TABLET_IDLE", "5s"},
		{"pool not a number", "LAMINAR_DB_POOL", "lots"},
		{"pool zero", "LAMINAR_DB_POOL", "0"},
		{"pool negative", "LAMINAR_DB_POOL", "-4"},
		{"pool over the cap", "LAMINAR_DB_POOL", "101"},
		{"mllp addr without port", "LAMINAR_MLLP_ADDR", "127.0.0.1"},
		{"mllp out port too large", "LAMINAR_MLLP_OUT", "127.0.0.1:99999"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.key: tc.value}))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Var != tc.key {
				t.Fatalf("Load(%s=%q) = %v, want an error naming %s", tc.key, tc.value, err, tc.key)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("message %q does not name %s", err, tc.key)
			}
		})
	}
}

func TestLoadDBPool(t *testing.T) {
	cases := []struct {
		name, value string
		want        int
	}{
		{"default", "", 8},
		{"smallest", "1", 1},
		{"eight", "8", 8},
		{"spaces trimmed", " 40 ", 40},
		{"largest", "100", MaxDBPool},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(map[string]string{"LAMINAR_DB_POOL": tc.value}))
			if err != nil {
				t.Fatal(err)
			}
			if c.DBPool != tc.want {
				t.Fatalf("LAMINAR_DB_POOL=%q gave %d, want %d", tc.value, c.DBPool, tc.want)
			}
			if want := "LAMINAR_DB_POOL=" + strconv.Itoa(tc.want); !strings.Contains(strings.Join(c.Masked(), "\n"), want) {
				t.Fatalf("Masked() lacks %s", want)
			}
		})
	}
}

func TestLoadReportsEveryBadVariable(t *testing.T) {
	_, err := Load(env(map[string]string{"LAMINAR_ADDR": "nope", "LAMINAR_TZ": "Nowhere/Town"}))
	if err == nil || !strings.Contains(err.Error(), "LAMINAR_ADDR") || !strings.Contains(err.Error(), "LAMINAR_TZ") {
		t.Fatalf("want both variables named, got %v", err)
	}
}

func TestMaskedHidesPassword(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u:s3cret@db:5432/x?sslmode=disable"}))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(c.Masked(), "\n")
	if strings.Contains(joined, "s3cret") {
		t.Fatalf("password printed: %s", joined)
	}
	if !strings.Contains(joined, "u:xxxxx@db:5432") {
		t.Fatalf("masked URL missing: %s", joined)
	}
	if got := MaskURL("postgres://db/x?password=hunter2"); strings.Contains(got, "hunter2") {
		t.Fatalf("query password printed: %s", got)
	}
}
