package store

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Unavailable reports whether err means the database cannot be reached or
// is shutting down, restarting or failing over (not that a query was
// wrong): refused or reset connections, a connection closed under a
// query, and PostgreSQL's connection-exception and shutdown codes.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		code := string(pe.Code)
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" || code == "53300"
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &oe), errors.As(err, &ne):
		return true
	}
	return false
}

// ErrUnavailable is the answer to a request that failed because the
// database cannot be reached: 503 database_unavailable, to try again.
func ErrUnavailable(cause error) *apperr.Error {
	return &apperr.Error{Kind: apperr.Unavailable, Code: "database_unavailable",
		Message: "the database cannot be reached; try again in a few seconds", Err: cause}
}
