// Package config reads Laminar's settings from environment variables,
// validates them once at start-up and prints them with secrets masked.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Laminar process.
type Config struct {
	// DatabaseURL is a PostgreSQL URL; empty means "start the private cluster".
	DatabaseURL string
	// Addr is the HTTP listen address (LAMINAR_ADDR).
	Addr string
	// DataDir holds the private cluster and other local state (LAMINAR_DATA_DIR).
	DataDir string
	// Location is the site's time zone (LAMINAR_TZ): date-only expiries end at
	// midnight there, and screens show times in it.
	Location *time.Location
	// LogLevel is the minimum level logged (LAMINAR_LOG_LEVEL).
	LogLevel slog.Level
	// BodyLimit is the largest request body accepted, in bytes (LAMINAR_BODY_LIMIT).
	BodyLimit int64
	// SessionIdle is how long a password session lives without use (LAMINAR_SESSION_IDLE).
	SessionIdle time.Duration
	// TabletIdle is the shorter idle timeout of a badge+PIN session (LAMINAR_TABLET_IDLE).
	TabletIdle time.Duration
	// PGBinDir overrides where the PostgreSQL server binaries are (LAMINAR_PG_BIN).
	PGBinDir string
	// DBPool is how many database connections the server opens, all of
	// them at start-up, and keeps open (LAMINAR_DB_POOL).
	DBPool int
	// DowntimeDir, when set, receives a fresh downtime report every
	// DowntimeEvery (LAMINAR_DOWNTIME_DIR, LAMINAR_DOWNTIME_EVERY).
	DowntimeDir   string
	DowntimeEvery time.Duration
	// Operations are the scheduled jobs' settings (operations.go).
	Operations Operations
	// Security are the log anchor's and the HTTP limits' settings (security.go).
	Security Security
	// MLLPAddr is where the HL7 v2 MLLP listener listens (LAMINAR_MLLP_ADDR);
	// "" runs none.
	MLLPAddr string
	// MLLPOut is host:port of the system that receives dispense messages
	// (RDS^O13) over MLLP (LAMINAR_MLLP_OUT); "" sends none.
	MLLPOut string
}

// DefaultDBPool is the connection pool size measured best for scans (50
// tablets at 200 scans/s on two cores: p99 about a third of that with 16
// or 40 connections). Every write ends at the compounding log's chain
// head, which admits one transaction at a time, and the workflow already
// runs at most six writes at once; a larger pool only adds backends
// competing for the same CPUs and lock waiters inside PostgreSQL.
const DefaultDBPool = 8

// MaxDBPool bounds LAMINAR_DB_POOL well under the private cluster's 200
// connections, leaving room for the command line and a second instance.
const MaxDBPool = 100

// FieldError names the variable that is wrong and says what is expected.
type FieldError struct {
	Var     string
	Message string
}

func (e *FieldError) Error() string { return e.Var + ": " + e.Message }

// Load reads the configuration from env (a KEY=VALUE lookup) and validates it.
// Every bad variable is reported, each naming itself.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL: strings.TrimSpace(getenv("DATABASE_URL")),
		Addr:        "localhost:8080",
		DataDir:     ".laminar",
		Location:    time.UTC,
		LogLevel:    slog.LevelInfo,
		BodyLimit:   1 << 20,
		SessionIdle: 8 * time.Hour,
		TabletIdle:  15 * time.Minute,
		PGBinDir:    strings.TrimSpace(getenv("LAMINAR_PG_BIN")),
		DBPool:      DefaultDBPool,
	}
	var errs []error
	bad := func(v, format string, args ...any) {
		errs = append(errs, &FieldError{Var: v, Message: fmt.Sprintf(format, args...)})
	}

	loadPlace(getenv, &c, bad)
	loadLimits(getenv, &c, bad)
	loadInterfacesAndTimes(getenv, &c, bad)
	loadOperations(getenv, &c, bad)
	loadSecurity(getenv, &c, bad)
	return c, errors.Join(errs...)
}

// loadPlace reads where the server listens, keeps its data and finds its
// database, and its time zone.
func loadPlace(getenv func(string) string, c *Config, bad func(v, format string, args ...any)) {
	if v := strings.TrimSpace(getenv("LAMINAR_ADDR")); v != "" {
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			bad("LAMINAR_ADDR", "%q is not host:port (for example localhost:8080 or :8080)", v)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad("LAMINAR_ADDR", "port %q in %q is not a number from 0 to 65535", port, v)
		} else {
			_ = host
			c.Addr = v
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_DATA_DIR")); v != "" {
		c.DataDir = v
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("DATABASE_URL", "expected a postgres:// URL, for example postgres://user:pass@localhost:5432/laminar?sslmode=disable")
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_TZ")); v != "" {
		loc, err := time.LoadLocation(v)
		if err != nil {
			bad("LAMINAR_TZ", "%q is not a known IANA time zone (for example America/Chicago or UTC)", v)
		} else {
			c.Location = loc
		}
	}
}

// loadLimits reads the log level, the body limit and the pool size.
func loadLimits(getenv func(string) string, c *Config, bad func(v, format string, args ...any)) {
	if v := strings.TrimSpace(getenv("LAMINAR_LOG_LEVEL")); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("LAMINAR_LOG_LEVEL", "%q is not one of debug, info, warn, error", v)
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_BODY_LIMIT")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			bad("LAMINAR_BODY_LIMIT", "%q is not a whole number of bytes of at least 1024", v)
		} else {
			c.BodyLimit = n
		}
	}
	if v := strings.TrimSpace(getenv("LAMINAR_DB_POOL")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxDBPool {
			bad("LAMINAR_DB_POOL", "%q is not a whole number of connections from 1 to %d", v, MaxDBPool)
		} else {
			c.DBPool = n
		}
	}
}

// loadInterfacesAndTimes reads the MLLP addresses, the session timeouts and
// the downtime report's place and period.
func loadInterfacesAndTimes(getenv func(string) string, c *Config, bad func(v, format string, args ...any)) {
	for _, hp := range []struct {
		name string
		dst  *string
	}{{"LAMINAR_MLLP_ADDR", &c.MLLPAddr}, {"LAMINAR_MLLP_OUT", &c.MLLPOut}} {
		if v := strings.TrimSpace(getenv(hp.name)); v != "" {
			if _, port, err := net.SplitHostPort(v); err != nil {
				bad(hp.name, "%q is not host:port (for example 127.0.0.1:2575)", v)
			} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
				bad(hp.name, "port %q in %q is not a number from 0 to 65535", port, v)
			} else {
				*hp.dst = v
			}
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"LAMINAR_SESSION_IDLE", &c.SessionIdle}, {"LAMINAR_TABLET_IDLE", &c.TabletIdle}} {
		if v := strings.TrimSpace(getenv(d.name)); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur < time.Minute {
				bad(d.name, "%q is not a duration of at least one minute (for example 15m or 8h)", v)
			} else {
				*d.dst = dur
			}
		}
	}
	c.DowntimeDir = strings.TrimSpace(getenv("LAMINAR_DOWNTIME_DIR"))
	c.DowntimeEvery = 15 * time.Minute
	if v := strings.TrimSpace(getenv("LAMINAR_DOWNTIME_EVERY")); v != "" {
		dur, err := time.ParseDuration(v)
		if err != nil || dur < time.Minute || dur > 24*time.Hour {
			bad("LAMINAR_DOWNTIME_EVERY", "%q is not a duration from 1m to 24h (for example 15m)", v)
		} else {
			c.DowntimeEvery = dur
		}
	}
}

// Embedded reports whether the private PostgreSQL cluster is to be used.
func (c Config) Embedded() bool { return c.DatabaseURL == "" }

// PGDir is where the private cluster lives.
func (c Config) PGDir() string { return filepath.Join(c.DataDir, "pg") }

// Masked returns the configuration as printable lines, passwords masked.
func (c Config) Masked() []string {
	db := "(private cluster in " + c.PGDir() + ")"
	if c.DatabaseURL != "" {
		db = MaskURL(c.DatabaseURL)
	}
	return append([]string{
		"DATABASE_URL=" + db,
		"LAMINAR_ADDR=" + c.Addr,
		"LAMINAR_DATA_DIR=" + c.DataDir,
		"LAMINAR_TZ=" + c.Location.String(),
		"LAMINAR_LOG_LEVEL=" + strings.ToLower(c.LogLevel.String()),
		"LAMINAR_BODY_LIMIT=" + strconv.FormatInt(c.BodyLimit, 10),
		"LAMINAR_SESSION_IDLE=" + c.SessionIdle.String(),
		"LAMINAR_TABLET_IDLE=" + c.TabletIdle.String(),
		"LAMINAR_DB_POOL=" + strconv.Itoa(c.DBPool),
		"LAMINAR_DOWNTIME_DIR=" + c.DowntimeDir,
		"LAMINAR_DOWNTIME_EVERY=" + c.DowntimeEvery.String(),
		"LAMINAR_MLLP_ADDR=" + c.MLLPAddr,
		"LAMINAR_MLLP_OUT=" + c.MLLPOut,
	}, append(c.Operations.masked(), c.Security.masked()...)...)
}

// MaskURL hides the password of a database URL.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
