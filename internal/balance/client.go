package balance

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client talks to one balance. It keeps one connection (serial-to-Ethernet
// adapters often accept only one) and sends one command at a time; after
// any failure the connection is closed, so a late reply is never read as
// the answer to the next command. The zero value is not usable: set Addr.
type Client struct {
	// Addr is the balance's host:port.
	Addr string
	// Dialect is the protocol; empty means MT-SICS.
	Dialect Dialect
	// DialTimeout bounds connecting (default 2 s).
	DialTimeout time.Duration
	// ReplyTimeout bounds the reply to a command that does not wait for
	// the balance to settle (default 2 s).
	ReplyTimeout time.Duration
	// StableTimeout bounds the wait for a stable weight, zero or tare
	// (default 5 s).
	StableTimeout time.Duration

	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
}

// NewClient returns a client for the balance at addr with default timeouts.
func NewClient(addr string, d Dialect) *Client {
	return &Client{Addr: addr, Dialect: d}
}

func (c *Client) timeouts() (dial, reply, stable time.Duration) {
	dial, reply, stable = c.DialTimeout, c.ReplyTimeout, c.StableTimeout
	if dial <= 0 {
		dial = 2 * time.Second
	}
	if reply <= 0 {
		reply = 2 * time.Second
	}
	if stable <= 0 {
		stable = 5 * time.Second
	}
	return dial, reply, stable
}

// Close closes the connection; the next command opens a new one.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drop()
}

func (c *Client) drop() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.r = nil, nil
	return err
}

// Immediate returns the current weight, stable or not (MT-SICS SI, SBI
// print).
func (c *Client) Immediate(ctx context.Context) (Reading, error) {
	_, reply, _ := c.timeouts()
	if c.Dialect == SBI {
		return c.sbiPrint(ctx, reply)
	}
	line, err := c.exchange(ctx, "SI", reply)
	if err != nil {
		return Reading{}, err
	}
	return c.checked(ParseMTSICS(line))
}

// Stable returns a stable weight, or balance_unstable when the balance does
// not settle within StableTimeout. Only a reading the balance itself marks
// stable is returned.
func (c *Client) Stable(ctx context.Context) (Reading, error) {
	_, reply, stable := c.timeouts()
	if c.Dialect == SBI {
		return c.sbiUntilStable(ctx, stable, reply)
	}
	line, err := c.exchange(ctx, "S", stable)
	if isTimeout(err) {
		// No answer to S: either still settling or not listening at all.
		// An immediate reading tells the two apart.
		rd, err2 := c.Immediate(ctx)
		switch {
		case err2 != nil:
			return Reading{}, err2
		case rd.Stable:
			return rd, nil
		}
		return Reading{}, errUnstable("no stable weight within " + stable.String() + ", last " + quoteRaw(rd.Raw))
	}
	if err != nil {
		return Reading{}, err
	}
	rd, err := c.checked(ParseMTSICS(line))
	if err == nil && !rd.Stable {
		return Reading{}, c.fail(errBadReply(line, "a dynamic reading in reply to S"))
	}
	return rd, err
}

// Zero sets the balance's zero point (MT-SICS Z, SBI ESC f3_).
func (c *Client) Zero(ctx context.Context) error {
	_, reply, stable := c.timeouts()
	if c.Dialect == SBI {
		return c.sbiCommand(ctx, "\x1bf3_", stable, reply)
	}
	line, err := c.exchange(ctx, "Z", stable)
	if err != nil {
		return c.unstableOnTimeout(err, "zero", stable)
	}
	return c.checkedErr(parseSICSZero(line))
}

// Tare stores the weight on the pan as tare (MT-SICS T, SBI ESC f4_) and
// returns the tare weight when the balance reports it.
func (c *Client) Tare(ctx context.Context) (Reading, error) {
	_, reply, stable := c.timeouts()
	if c.Dialect == SBI {
		err := c.sbiCommand(ctx, "\x1bf4_", stable, reply)
		return Reading{}, err
	}
	line, err := c.exchange(ctx, "T", stable)
	if err != nil {
		return Reading{}, c.unstableOnTimeout(err, "tare", stable)
	}
	return c.checked(parseSICSTare(line))
}

func (c *Client) unstableOnTimeout(err error, what string, d time.Duration) error {
	if !isTimeout(err) {
		return err
	}
	if _, err2 := c.Immediate(context.Background()); err2 != nil {
		return err2
	}
	return errUnstable("it could not " + what + " within " + d.String())
}

// checked closes the connection after a reply the protocol does not allow:
// what comes next on it cannot be trusted to answer the next command.
func (c *Client) checked(rd Reading, err error) (Reading, error) {
	return rd, c.checkedErr(err)
}

func (c *Client) checkedErr(err error) error {
	var ae interface{ CodeOrKind() string }
	if errors.As(err, &ae) && ae.CodeOrKind() == CodeBadReply {
		return c.fail(err)
	}
	return err
}

func (c *Client) fail(err error) error {
	c.mu.Lock()
	c.drop()
	c.mu.Unlock()
	return err
}

// exchange sends one command and reads one reply line within d.
func (c *Client) exchange(ctx context.Context, cmd string, d time.Duration) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.dial(ctx); err != nil {
		return "", err
	}
	deadline := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn := c.conn
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write([]byte(cmd + "\r\n")); err != nil {
		c.drop()
		return "", c.ioError(ctx, err)
	}
	line, err := readLine(c.r)
	if err != nil {
		c.drop()
		if errors.Is(err, errLineTooLong) {
			return "", errBadReply(line, "the reply is too long")
		}
		return "", c.ioError(ctx, err)
	}
	return line, nil
}

func (c *Client) dial(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	dialT, _, _ := c.timeouts()
	d := net.Dialer{Timeout: dialT}
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return errUnavailable(c.Addr, err)
	}
	c.conn, c.r = conn, bufio.NewReaderSize(conn, 256)
	return nil
}

func (c *Client) ioError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if isTimeout(err) {
		return errTimeout(c.Addr, err)
	}
	return errUnavailable(c.Addr, err)
}

var errLineTooLong = errors.New("reply line too long")

// readLine reads up to LF; a line longer than maxLine is refused without
// reading the rest (a stream of garbage must not fill memory).
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return string(b), err
		}
		if c == '\n' {
			return string(b), nil
		}
		b = append(b, c)
		if len(b) > maxLine+1 {
			return string(b), errLineTooLong
		}
	}
}

func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var ae interface{ CodeOrKind() string }
	return errors.As(err, &ae) && ae.CodeOrKind() == CodeTimeout
}

// Simulate sends one of the simulator's own commands ("W 12.345", "U 3s",
// "O on"); a real balance answers ES and this returns an error.
func (c *Client) Simulate(ctx context.Context, args string) error {
	_, reply, _ := c.timeouts()
	line, err := c.exchange(ctx, "SIM "+args, reply)
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "SIM A" {
		return errBadReply(line, "the simulator refused "+strconv.Quote(args))
	}
	return nil
}
