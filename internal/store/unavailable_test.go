package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{sql.ErrNoRows, false},
		{&pq.Error{Code: "23505"}, false},
		{&pq.Error{Code: "42P01"}, false},
		{errors.New("some bug"), false},
		{&pq.Error{Code: "57P01"}, true}, // admin shutdown
		{&pq.Error{Code: "57P02"}, true}, // crash shutdown
		{&pq.Error{Code: "57P03"}, true}, // the database system is starting up
		{&pq.Error{Code: "08006"}, true}, // connection failure
		{fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("wrapped: %w", syscall.ECONNRESET), true},
	} {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if e := Translate(&pq.Error{Code: "57P01"}); e.Error() == "" || ErrUnavailable(nil).Code != "database_unavailable" {
		t.Fatal("Translate does not map a shutdown")
	}
}
