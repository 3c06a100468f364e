// Package apperr holds Laminar's one error type. Every layer returns it (or
// wraps a plain error as internal), and the HTTP layer maps its Kind to a
// status code in exactly one place.
package apperr

import (
	"errors"
	"fmt"
)

// Kind is the class of an error; it decides the HTTP status and exit code.
type Kind string

// The kinds of error Laminar reports.
const (
	Invalid      Kind = "invalid"      // 400: the request itself is malformed
	Unauthorized Kind = "unauthorized" // 401: no or bad credentials
	Forbidden    Kind = "forbidden"    // 403: wrong role, self-verification
	NotFound     Kind = "not_found"    // 404
	Conflict     Kind = "conflict"     // 409: claimed elsewhere, wrong state
	TooLarge     Kind = "too_large"    // 413: body over the limit
	// UnsupportedMedia is 415: a body in a format the route does not take.
	UnsupportedMedia Kind = "unsupported_media"
	Refused          Kind = "refused"     // 422: refused by a clinical rule
	TooMany          Kind = "too_many"    // 429: throttled
	Internal         Kind = "internal"    // 500: a bug or an outage; never shown in detail
	Unavailable      Kind = "unavailable" // 503: a dependency is down
)

// Error is a failure a person can act on. Code is the machine-readable code
// the API documents (e.g. "wrong_product"); it defaults to the kind.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Field   string
	Fields  map[string]string
	// RetryAfter is set on TooMany errors, in whole seconds.
	RetryAfter int
	// Err is the underlying cause; it is logged, never shown.
	Err error
}

// Error returns the message, with the field when there is one.
func (e *Error) Error() string {
	s := e.Message
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Err != nil && e.Kind == Internal {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOrKind returns the specific code, or the kind when no code was set.
func (e *Error) CodeOrKind() string {
	if e.Code != "" {
		return e.Code
	}
	return string(e.Kind)
}

// New returns an error of the given kind.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WithCode returns an error with a specific documented code.
func WithCode(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns a 400 error naming the input field at fault.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap turns an unexpected error into an internal one, keeping the cause for the log.
func Wrap(err error, what string) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: what, Err: err}
}

// KindOf returns the kind of err: Internal for anything that is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, kind Kind) bool {
	return err != nil && KindOf(err) == kind
}
