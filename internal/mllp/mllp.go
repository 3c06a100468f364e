// Package mllp is the Minimal Lower Layer Protocol that carries HL7 v2 over
// TCP: each message travels as 0x0B, the message, 0x1C 0x0D. It has a
// server (one message at a time per connection, many connections) and a
// client; what a message means is left to the Handler.
package mllp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The framing bytes.
const (
	StartBlock = 0x0B
	EndBlock   = 0x1C
	CR         = 0x0D
)

// ErrTooLarge is returned by ReadFrame for a frame over the reader's limit;
// the whole frame has been consumed and its first bytes are returned.
var ErrTooLarge = errors.New("mllp: message larger than the limit")

// Reader reads MLLP frames from a stream.
type Reader struct {
	r   *bufio.Reader
	max int
}

// NewReader reads frames of at most max bytes from r.
func NewReader(r io.Reader, max int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// ReadFrame returns the next message. Bytes before a start block (stray
// line ends between frames) are skipped. An end block not followed by CR
// still ends the frame; the byte after it is kept for the next frame. A
// frame over the limit returns its first max bytes and ErrTooLarge.
func (r *Reader) ReadFrame() ([]byte, error) {
	for {
		b, err := r.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == StartBlock {
			break
		}
	}
	var msg []byte
	over := false
	for {
		chunk, err := r.r.ReadSlice(EndBlock)
		if len(chunk) > 0 {
			body := chunk
			if err == nil {
				body = chunk[:len(chunk)-1]
			}
			if !over {
				if room := r.max - len(msg); len(body) > room {
					msg = append(msg, body[:room]...)
					over = true
				} else {
					msg = append(msg, body...)
				}
			}
		}
		switch {
		case err == nil:
			next, err := r.r.ReadByte()
			if err != nil {
				return nil, err
			}
			if next != CR {
				_ = r.r.UnreadByte()
			}
			if over {
				return msg, ErrTooLarge
			}
			return msg, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// Frame wraps msg in the MLLP start and end blocks.
func Frame(msg []byte) []byte {
	out := make([]byte, 0, len(msg)+3)
	out = append(out, StartBlock)
	out = append(out, msg...)
	return append(out, EndBlock, CR)
}

// WriteFrame writes msg as one frame in a single Write, so that the
// receiver never sees half an acknowledgment in one packet and the rest
// in another.
func WriteFrame(w io.Writer, msg []byte) error {
	_, err := w.Write(Frame(msg))
	return err
}

// Client sends messages over one connection and reads each answer.
type Client struct {
	conn net.Conn
	r    *Reader
	// Timeout bounds each Send (write and answer); zero is 30 s.
	Timeout time.Duration
}

// Dial opens a connection to an MLLP server.
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mllp: connect to %s: %w", addr, err)
	}
	return &Client{conn: conn, r: NewReader(conn, 16<<20)}, nil
}

// Send writes msg as one frame and returns the frame that answers it.
func (c *Client) Send(msg []byte) ([]byte, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if err := c.conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	if err := WriteFrame(c.conn, msg); err != nil {
		return nil, fmt.Errorf("mllp: send: %w", err)
	}
	ack, err := c.r.ReadFrame()
	if err != nil {
		return nil, fmt.Errorf("mllp: read the answer: %w", err)
	}
	return ack, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
