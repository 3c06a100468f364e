package mllp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Handler answers one message. tooLarge says the message was cut at the
// size limit (msg holds its first bytes). The answer is written back as one
// frame; a nil answer closes the connection without one, so that the
// sender resends later (used when the message could not be stored).
type Handler interface {
	ServeHL7(ctx context.Context, msg []byte, tooLarge bool) []byte
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg []byte, tooLarge bool) []byte

// ServeHL7 calls f.
func (f HandlerFunc) ServeHL7(ctx context.Context, msg []byte, tooLarge bool) []byte {
	return f(ctx, msg, tooLarge)
}

// Server accepts MLLP connections and hands each message to Handler, one at
// a time per connection.
type Server struct {
	Handler Handler
	Log     *slog.Logger
	// MaxMessage is the largest message accepted, in bytes (zero: 1 MiB
	// less one byte, so a message of 1 MiB is refused).
	MaxMessage int
	// MaxConns is the most connections served at once (zero: 256); more
	// are closed at once.
	MaxConns int
	// FrameTimeout bounds how long one frame may take to arrive once it
	// has started, and how long an answer may take to write (zero: 30 s).
	// Between frames a connection may stay idle indefinitely, as interface
	// engines keep theirs open.
	FrameTimeout time.Duration

	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]*connState
	closing  bool
	wg       sync.WaitGroup
	baseCtx  context.Context
	cancelFn context.CancelFunc
}

type connState struct{ busy bool }

func (s *Server) defaults() {
	if s.MaxMessage == 0 {
		s.MaxMessage = 1<<20 - 1
	}
	if s.MaxConns == 0 {
		s.MaxConns = 256
	}
	if s.FrameTimeout == 0 {
		s.FrameTimeout = 30 * time.Second
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
}

// Serve accepts connections on ln until Shutdown; it returns nil then.
func (s *Server) Serve(ln net.Listener) error {
	s.defaults()
	s.mu.Lock()
	s.ln, s.conns = ln, map[net.Conn]*connState{}
	s.baseCtx, s.cancelFn = context.WithCancel(context.Background())
	s.mu.Unlock()
	for {
		conn, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		s.mu.Lock()
		if s.closing || len(s.conns) >= s.MaxConns {
			s.mu.Unlock()
			s.Log.Warn("mllp connection refused: server full or closing", "remote", conn.RemoteAddr().String())
			_ = conn.Close()
			continue
		}
		st := &connState{}
		s.conns[conn] = st
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(conn, st)
	}
}

func (s *Server) serveConn(conn net.Conn, st *connState) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		_ = conn.Close()
	}()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetKeepAlive(true)
		_ = tc.SetKeepAlivePeriod(time.Minute)
	}
	r := NewReader(&deadlineReader{conn: conn, timeout: s.FrameTimeout}, s.MaxMessage)
	for {
		msg, err := r.ReadFrame()
		tooLarge := errors.Is(err, ErrTooLarge)
		if err != nil && !tooLarge {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.Log.Info("mllp connection ended", "remote", conn.RemoteAddr().String(), "reason", err.Error())
			}
			return
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return // not answered: the sender will resend to the next instance
		}
		st.busy = true
		s.mu.Unlock()
		ack := s.Handler.ServeHL7(s.baseCtx, msg, tooLarge)
		s.mu.Lock()
		st.busy = false
		closing := s.closing
		s.mu.Unlock()
		if ack == nil {
			return
		}
		_ = conn.SetWriteDeadline(time.Now().Add(s.FrameTimeout))
		if err := WriteFrame(conn, ack); err != nil {
			s.Log.Info("mllp answer not delivered", "remote", conn.RemoteAddr().String(), "reason", err.Error())
			return
		}
		if closing {
			return
		}
	}
}

// Shutdown stops accepting, closes idle connections, waits for messages in
// progress to be answered (or ctx to end) and closes the rest.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	if s.ln != nil {
		_ = s.ln.Close()
	}
	for c, st := range s.conns {
		if !st.busy {
			_ = c.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		if s.cancelFn != nil {
			s.cancelFn()
		}
		<-done
		return ctx.Err()
	}
	if s.cancelFn != nil {
		s.cancelFn()
	}
	return nil
}

// Addr is the address the server listens on (nil before Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// deadlineReader gives each read after the first byte of a frame a
// deadline: a connection may idle between frames, but not stall in one.
type deadlineReader struct {
	conn    net.Conn
	timeout time.Duration
	inFrame bool
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if d.inFrame {
		_ = d.conn.SetReadDeadline(time.Now().Add(d.timeout))
	} else {
		_ = d.conn.SetReadDeadline(time.Time{})
	}
	n, err := d.conn.Read(p)
	if n > 0 {
		// A frame is open after a start block until its end block.
		for _, b := range p[:n] {
			switch b {
			case StartBlock:
				d.inFrame = true
			case EndBlock:
				d.inFrame = false
			}
		}
	}
	return n, err
}
