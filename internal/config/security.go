package config

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Security are the settings of the log's anchor and the HTTP server's
// limits.
type Security struct {
	// AuditKey is the Ed25519 key that signs the log's checkpoints
	// (LAMINAR_AUDIT_KEY; default audit.key in the data directory). It
	// must be readable by its owner only; keep it off the database's
	// machine where you can.
	AuditKey string
	// CheckpointEvery is how often serve signs a checkpoint of the log
	// (LAMINAR_AUDIT_CHECKPOINT_EVERY; 0 = only on `laminar audit checkpoint`).
	CheckpointEvery time.Duration
	// ReadTimeout bounds reading a whole request, body included
	// (LAMINAR_READ_TIMEOUT).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response, except live event streams
	// (LAMINAR_WRITE_TIMEOUT).
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections left unused (LAMINAR_IDLE_TIMEOUT).
	IdleTimeout time.Duration
	// MetricsFrom, when set, lists the client addresses or networks
	// (CIDR) that may read /metrics (LAMINAR_METRICS_FROM, comma-separated).
	MetricsFrom []string
	// ExportsPerUser bounds the CSV exports of the log one person may
	// stream at once (LAMINAR_EXPORTS_PER_USER).
	ExportsPerUser int
}

// The defaults of Security.
const (
	DefaultCheckpointEvery = 15 * time.Minute
	DefaultReadTimeout     = 30 * time.Second
	DefaultWriteTimeout    = 60 * time.Second
	DefaultIdleTimeout     = 120 * time.Second
	DefaultExportsPerUser  = 2
)

// CheckpointsFile is where signed checkpoints are appended.
func (c Config) CheckpointsFile() string { return filepath.Join(c.DataDir, "audit-checkpoints.jsonl") }

// AuditPublicKeyFile holds the public key(s) that check the checkpoints.
func (c Config) AuditPublicKeyFile() string { return filepath.Join(c.DataDir, "audit.pub") }

func loadSecurity(getenv func(string) string, c *Config, bad func(v, format string, args ...any)) {
	c.Security = Security{
		AuditKey: filepath.Join(c.DataDir, "audit.key"), CheckpointEvery: DefaultCheckpointEvery,
		ReadTimeout: DefaultReadTimeout, WriteTimeout: DefaultWriteTimeout, IdleTimeout: DefaultIdleTimeout,
		ExportsPerUser: DefaultExportsPerUser,
	}
	if v := strings.TrimSpace(getenv("LAMINAR_AUDIT_KEY")); v != "" {
		if abs, err := filepath.Abs(v); err == nil {
			c.Security.AuditKey = abs
		}
	}
	for _, d := range []struct {
		name     string
		dst      *time.Duration
		min, max time.Duration
		zero     bool
	}{
		{"LAMINAR_AUDIT_CHECKPOINT_EVERY", &c.Security.CheckpointEvery, time.Second, 0, true},
		{"LAMINAR_READ_TIMEOUT", &c.Security.ReadTimeout, time.Second, time.Hour, false},
		{"LAMINAR_WRITE_TIMEOUT", &c.Security.WriteTimeout, time.Second, time.Hour, false},
		{"LAMINAR_IDLE_TIMEOUT", &c.Security.IdleTimeout, time.Second, 24 * time.Hour, false},
	} {
		v := strings.TrimSpace(getenv(d.name))
		if v == "" {
			continue
		}
		dur, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad(d.name, "%q is not a duration (for example 30s or 15m)", v)
		case dur == 0 && d.zero:
			*d.dst = 0
		case dur < d.min || (d.max > 0 && dur > d.max):
			bad(d.name, "%q is outside %s to %s", v, d.min, d.max)
		default:
			*d.dst = dur
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_METRICS_FROM")); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				if !validAddrOrCIDR(p) {
					bad("LAMINAR_METRICS_FROM", "%q is not an IP address or a network such as 10.0.0.0/8", p)
				}
				c.Security.MetricsFrom = append(c.Security.MetricsFrom, p)
			}
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_EXPORTS_PER_USER")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			bad("LAMINAR_EXPORTS_PER_USER", "%q is not a whole number from 1 to 100", v)
		} else {
			c.Security.ExportsPerUser = n
		}
	}
}

func (s Security) masked() []string {
	return []string{
		"LAMINAR_AUDIT_KEY=" + s.AuditKey,
		"LAMINAR_AUDIT_CHECKPOINT_EVERY=" + s.CheckpointEvery.String(),
		"LAMINAR_READ_TIMEOUT=" + s.ReadTimeout.String(),
		"LAMINAR_WRITE_TIMEOUT=" + s.WriteTimeout.String(),
		"LAMINAR_IDLE_TIMEOUT=" + s.IdleTimeout.String(),
		"LAMINAR_METRICS_FROM=" + strings.Join(s.MetricsFrom, ","),
		"LAMINAR_EXPORTS_PER_USER=" + strconv.Itoa(s.ExportsPerUser),
	}
}

func validAddrOrCIDR(s string) bool {
	if _, _, err := net.ParseCIDR(s); err == nil {
		return true
	}
	return net.ParseIP(s) != nil
}
