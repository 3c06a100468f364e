package config

import (
	"strings"
	"testing"
	"time"
)

func TestOperationsSettings(t *testing.T) {
	load := func(env map[string]string) (Config, error) {
		return Load(func(k string) string { return env[k] })
	}
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Operations != defaultOperations() || c.Operations.PhotoRetention != 0 || c.Operations.BackupDir != "" {
		t.Fatalf("defaults: %+v", c.Operations)
	}
	c, err = load(map[string]string{"LAMINAR_PHOTO_RETENTION": "90d", "LAMINAR_BACKUP_DIR": "/var/backups/laminar",
		"LAMINAR_BACKUP_EVERY": "6h", "LAMINAR_BACKUP_KEEP": "28", "LAMINAR_HOUSEKEEPING_EVERY": "15m"})
	if err != nil {
		t.Fatal(err)
	}
	want := Operations{HousekeepingEvery: 15 * time.Minute, PhotoRetention: 90 * 24 * time.Hour, BackupDir: "/var/backups/laminar",
		BackupEvery: 6 * time.Hour, BackupKeep: 28, AuditVerifyEvery: 24 * time.Hour}
	if c.Operations != want {
		t.Fatalf("got %+v, want %+v", c.Operations, want)
	}
	for v, val := range map[string]string{
		"LAMINAR_PHOTO_RETENTION":    "ninety days",
		"LAMINAR_HOUSEKEEPING_EVERY": "10ms",
		"LAMINAR_BACKUP_KEEP":        "0",
		"LAMINAR_BACKUP_EVERY":       "-1h",
		"LAMINAR_AUDIT_VERIFY_EVERY": "0",
	} {
		if _, err := load(map[string]string{v: val}); err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("%s=%s: %v", v, val, err)
		}
	}
}

func TestParseDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "1d": 24 * time.Hour, "36h": 36 * time.Hour, "90d": 90 * 24 * time.Hour} {
		if got, err := ParseDays(in); err != nil || got != want {
			t.Errorf("ParseDays(%q) = %s, %v", in, got, err)
		}
	}
	for _, in := range []string{"d", "1.5d", "-1d", "x"} {
		if _, err := ParseDays(in); err == nil {
			t.Errorf("ParseDays(%q) accepted", in)
		}
	}
}
