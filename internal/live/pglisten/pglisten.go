// Package pglisten is the PostgreSQL source of live updates. A trigger
// NOTIFYs on Channel at every preparation status change (migration 00006);
// each server instance LISTENs on one dedicated connection. Because the
// events travel through PostgreSQL and not through process memory, a
// pharmacist connected to one instance sees work completed through another.
package pglisten

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/live"
)

// Channel is the NOTIFY channel of preparation status changes.
const Channel = "laminar_preparations"

// Source is a LISTEN connection on Channel; it implements live.Source.
type Source struct {
	listener *pq.Listener
	out      chan live.Notification
}

// Listen connects to dsn and LISTENs on Channel. The connection is
// re-established by itself when it drops; notifications sent meanwhile are
// lost, which the source reports as one Lost notification.
func Listen(ctx context.Context, dsn string, log *slog.Logger) (*Source, error) {
	if log == nil {
		log = slog.Default()
	}
	l := pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnectionAttemptFailed:
			log.Warn("live updates: connecting the listener failed", "err", err)
		case pq.ListenerEventDisconnected:
			log.Warn("live updates: listener disconnected", "err", err)
		case pq.ListenerEventReconnected:
			log.Info("live updates: listener reconnected")
		}
	})
	listenErr := make(chan error, 1)
	go func() { listenErr <- l.Listen(Channel) }()
	select {
	case err := <-listenErr:
		if err != nil {
			_ = l.Close()
			return nil, fmt.Errorf("live updates: LISTEN %s: %w", Channel, err)
		}
	case <-ctx.Done():
		_ = l.Close()
		return nil, fmt.Errorf("live updates: LISTEN %s: %w", Channel, ctx.Err())
	}
	s := &Source{listener: l, out: make(chan live.Notification)}
	go s.run()
	return s, nil
}

func (s *Source) run() {
	defer close(s.out)
	ping := time.NewTicker(60 * time.Second)
	defer ping.Stop()
	for {
		select {
		case n, ok := <-s.listener.NotificationChannel():
			if !ok {
				return
			}
			if n == nil {
				// Reconnected: notifications sent meanwhile are lost.
				s.out <- live.Notification{Lost: true}
				continue
			}
			s.out <- live.Notification{Payload: n.Extra}
		case <-ping.C:
			// A silent connection can die unnoticed; a ping finds out and
			// lets the listener reconnect.
			go func() { _ = s.listener.Ping() }()
		}
	}
}

// Notifications yields what arrives on Channel; it closes after Close.
func (s *Source) Notifications() <-chan live.Notification { return s.out }

// Close ends the LISTEN connection.
func (s *Source) Close() error { return s.listener.Close() }

// Start listens on dsn and returns a hub fanning the notifications out.
func Start(ctx context.Context, dsn string, log *slog.Logger) (*live.Hub, error) {
	src, err := Listen(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	return live.New(src, log), nil
}

// DSN returns the connection string the listener should use: the
// configured one (the store's own, with its password) when there is one;
// otherwise one built from what the server reports about itself through db,
// which works only where the server needs no password.
func DSN(ctx context.Context, db *sql.DB, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	var name, user, port, sockets string
	var addr sql.NullString
	err := db.QueryRowContext(ctx, `SELECT current_database(), current_user, current_setting('port'),
		current_setting('unix_socket_directories'), host(inet_server_addr())`).Scan(&name, &user, &port, &sockets, &addr)
	if err != nil {
		return "", fmt.Errorf("live updates: find the database's address: %w", err)
	}
	host := addr.String
	if !addr.Valid || host == "" {
		host = strings.TrimSpace(strings.Split(sockets, ",")[0])
	}
	if host == "" {
		return "", errors.New("live updates: the database reports neither a TCP address nor a socket directory; set DATABASE_URL")
	}
	q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
	return fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", q(host), q(port), q(user), q(name)), nil
}
