package mllp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadFrame(t *testing.T) {
	t.Parallel()
	stream := "\r\n" + string(Frame([]byte("MSH|one"))) + "junk\n" + string(Frame([]byte("MSH|two\rPID|1"))) +
		"\x0bMSH|three\x1c" + "\x0bMSH|four\x1c\r"
	r := NewReader(strings.NewReader(stream), 100)
	for _, want := range []string{"MSH|one", "MSH|two\rPID|1", "MSH|three", "MSH|four"} {
		got, err := r.ReadFrame()
		if err != nil || string(got) != want {
			t.Fatalf("ReadFrame = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := r.ReadFrame(); !errors.Is(err, io.EOF) {
		t.Fatalf("at end: %v, want EOF", err)
	}
}

func TestReadFrameTooLargeThenNext(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("x"), 200<<10)
	stream := append(Frame(append([]byte("MSH|big|"), big...)), Frame([]byte("MSH|next"))...)
	r := NewReader(bytes.NewReader(stream), 1000)
	got, err := r.ReadFrame()
	if !errors.Is(err, ErrTooLarge) || len(got) != 1000 || !bytes.HasPrefix(got, []byte("MSH|big|")) {
		t.Fatalf("oversized: %d bytes, %v", len(got), err)
	}
	got, err = r.ReadFrame()
	if err != nil || string(got) != "MSH|next" {
		t.Fatalf("after oversized: %q, %v", got, err)
	}
}

func TestReadFrameTruncated(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader("\x0bMSH|cut"), 100)
	if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want unexpected EOF", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("\x0bMSH|a\x1c\r\x0bb\x1c"), 10)
	f.Add([]byte("\x1c\r\x0b\x0b\x1c\x1c"), 1)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max < 1 || max > 1<<16 {
			max = 64
		}
		r := NewReader(bytes.NewReader(data), max)
		for i := 0; i <= len(data); i++ {
			msg, err := r.ReadFrame()
			if len(msg) > max {
				t.Fatalf("frame of %d bytes over limit %d", len(msg), max)
			}
			if err != nil && !errors.Is(err, ErrTooLarge) {
				return
			}
			if bytes.IndexByte(msg, EndBlock) >= 0 {
				t.Fatalf("frame contains an end block: %q", msg)
			}
		}
		t.Fatalf("more frames than bytes")
	})
}

func startServer(t *testing.T, h Handler, max int) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, MaxMessage: max}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s, ln.Addr().String()
}

func echoHandler() Handler {
	return HandlerFunc(func(_ context.Context, msg []byte, tooLarge bool) []byte {
		if tooLarge {
			return []byte("TOO LARGE")
		}
		return append([]byte("ACK "), msg...)
	})
}

// Many connections at once, several messages each: every answer comes back
// on its own connection, in order.
func TestServerManyConnections(t *testing.T) {
	t.Parallel()
	_, addr := startServer(t, echoHandler(), 1000)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for c := 0; c < 20; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			cl, err := Dial(context.Background(), addr)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for i := 0; i < 25; i++ {
				msg := fmt.Sprintf("MSH|%d|%d", c, i)
				ack, err := cl.Send([]byte(msg))
				if err != nil || string(ack) != "ACK "+msg {
					errs <- fmt.Errorf("conn %d msg %d: %q %v", c, i, ack, err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// An oversized message is answered (by the handler) and the same
// connection keeps serving.
func TestServerTooLargeKeepsServing(t *testing.T) {
	t.Parallel()
	_, addr := startServer(t, echoHandler(), 1000)
	cl, err := Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ack, err := cl.Send(bytes.Repeat([]byte("y"), 1<<20))
	if err != nil || string(ack) != "TOO LARGE" {
		t.Fatalf("1 MiB: %q %v", ack, err)
	}
	ack, err = cl.Send([]byte("MSH|small"))
	if err != nil || string(ack) != "ACK MSH|small" {
		t.Fatalf("after: %q %v", ack, err)
	}
}

// A nil answer closes the connection without acknowledging.
func TestServerNilAnswerCloses(t *testing.T) {
	t.Parallel()
	_, addr := startServer(t, HandlerFunc(func(context.Context, []byte, bool) []byte { return nil }), 1000)
	cl, err := Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Send([]byte("MSH|x")); err == nil {
		t.Fatal("got an answer, want the connection closed")
	}
}
