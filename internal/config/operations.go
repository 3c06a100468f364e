package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Operations are the settings of the scheduled jobs.
type Operations struct {
	// HousekeepingEvery is how often expired sessions, old throttle rows,
	// idempotency keys (and photos past PhotoRetention) are removed
	// (LAMINAR_HOUSEKEEPING_EVERY).
	HousekeepingEvery time.Duration
	// PhotoRetention is how long photos of closed preparations are kept;
	// 0 keeps them forever (LAMINAR_PHOTO_RETENTION).
	PhotoRetention time.Duration
	// BackupDir, when set, receives a scheduled backup every BackupEvery,
	// keeping the newest BackupKeep (LAMINAR_BACKUP_DIR, _EVERY, _KEEP).
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int
	// AuditVerifyEvery is how often the compounding log's chain is
	// recomputed; the result is the laminar_audit_chain_ok metric
	// (LAMINAR_AUDIT_VERIFY_EVERY).
	AuditVerifyEvery time.Duration
}

// IdempotencyKeep is how long the answer to a request with an
// Idempotency-Key is kept for its retries.
const IdempotencyKeep = 24 * time.Hour

// defaultOperations are the defaults of Operations.
func defaultOperations() Operations {
	return Operations{HousekeepingEvery: time.Hour, BackupEvery: 24 * time.Hour, BackupKeep: 7, AuditVerifyEvery: 24 * time.Hour}
}

// loadOperations reads the scheduled jobs' variables into c.
func loadOperations(getenv func(string) string, c *Config, bad func(v, format string, args ...any)) {
	c.Operations = defaultOperations()
	for _, d := range []struct {
		name string
		dst  *time.Duration
		min  time.Duration
		zero bool // 0 is allowed (off)
	}{
		{"LAMINAR_HOUSEKEEPING_EVERY", &c.Operations.HousekeepingEvery, time.Second, false},
		{"LAMINAR_PHOTO_RETENTION", &c.Operations.PhotoRetention, time.Hour, true},
		{"LAMINAR_BACKUP_EVERY", &c.Operations.BackupEvery, time.Second, false},
		{"LAMINAR_AUDIT_VERIFY_EVERY", &c.Operations.AuditVerifyEvery, time.Second, false},
	} {
		v := strings.TrimSpace(getenv(d.name))
		if v == "" {
			continue
		}
		dur, err := ParseDays(v)
		switch {
		case err != nil:
			bad(d.name, "%q is not a duration (for example 90d, 24h or 15m)", v)
		case dur == 0 && d.zero:
			*d.dst = 0
		case dur < d.min:
			bad(d.name, "%q is shorter than %s", v, d.min)
		default:
			*d.dst = dur
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_BACKUP_DIR")); v != "" {
		abs, err := filepath.Abs(v)
		if err != nil {
			bad("LAMINAR_BACKUP_DIR", "%q: %v", v, err)
		}
		c.Operations.BackupDir = abs
	}
	if v := strings.TrimSpace(getenv("LAMINAR_BACKUP_KEEP")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			bad("LAMINAR_BACKUP_KEEP", "%q is not a whole number of backups from 1 to 10000", v)
		} else {
			c.Operations.BackupKeep = n
		}
	}
}

// ParseDays parses a Go duration ("36h", "15m") or a whole number of days
// ("90d"); "0" is zero.
func ParseDays(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*365 {
			return 0, fmt.Errorf("%q is not a whole number of days", v)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// masked lists the operations settings for the start-up log.
func (o Operations) masked() []string {
	out := []string{
		"LAMINAR_HOUSEKEEPING_EVERY=" + o.HousekeepingEvery.String(),
		"LAMINAR_PHOTO_RETENTION=" + o.PhotoRetention.String(),
		"LAMINAR_AUDIT_VERIFY_EVERY=" + o.AuditVerifyEvery.String(),
	}
	if o.BackupDir != "" {
		out = append(out, "LAMINAR_BACKUP_DIR="+o.BackupDir, "LAMINAR_BACKUP_EVERY="+o.BackupEvery.String(),
			"LAMINAR_BACKUP_KEEP="+strconv.Itoa(o.BackupKeep))
	}
	return out
}
