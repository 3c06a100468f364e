package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/mllp"
)

// fakeListener answers AA, or AE for a message whose control ID starts
// with "BAD", and records what it got.
func fakeListener(t *testing.T) (string, func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ bool) []byte {
		m, err := hl7.Parse(msg)
		if err != nil {
			return hl7.Ack(hl7.SniffHeader(msg), hl7.AR, "X", nil, time.Now())
		}
		mu.Lock()
		got = append(got, string(msg))
		mu.Unlock()
		code := hl7.AA
		if strings.HasPrefix(m.ControlID(), "BAD") {
			code = hl7.AE
		}
		return hl7.Ack(hl7.HeaderOf(m), code, "X", nil, time.Now())
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return ln.Addr().String(), func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), got...) }
}

func TestHL7Send(t *testing.T) {
	addr, got := fakeListener(t)
	dir := t.TempDir()
	two := filepath.Join(dir, "two.hl7")
	// Written by hand: LF line ends, two messages.
	if err := os.WriteFile(two, []byte("MSH|^~\\&|A|B|C|D|2026||ADT^A08|M1|P|2.5.1\nPID|1||X\n\nMSH|^~\\&|A|B|C|D|2026||ADT^A08|M2|P|2.5.1\nPID|1||Y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, nil, "", "hl7", "send", two, "--to", addr)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "MSA|AA|M1") || !strings.Contains(out, "MSA|AA|M2") {
		t.Fatalf("output:\n%s", out)
	}
	msgs := got()
	if len(msgs) != 2 || msgs[0] != "MSH|^~\\&|A|B|C|D|2026||ADT^A08|M1|P|2.5.1\rPID|1||X\r" {
		t.Fatalf("sent %q", msgs)
	}

	bad := filepath.Join(dir, "bad.hl7")
	_ = os.WriteFile(bad, []byte("MSH|^~\\&|A|B|C|D|2026||ADT^A08|BAD1|P|2.5.1\r"), 0o644)
	out, stderr, err := runCmd(t, nil, "", "hl7", "send", "--to", addr, bad)
	var quiet *silentExit
	if !errors.As(err, &quiet) || !strings.Contains(out, "MSA|AE|BAD1") || !strings.Contains(stderr, "1 of 1") {
		t.Fatalf("AE: %v\n%s\n%s", err, out, stderr)
	}

	for name, args := range map[string][]string{
		"no --to":     {"hl7", "send", two},
		"no file":     {"hl7", "send", "--to", addr},
		"missing":     {"hl7", "send", filepath.Join(dir, "none.hl7"), "--to", addr},
		"not a sub":   {"hl7", "receive"},
		"nobody home": {"hl7", "send", two, "--to", "127.0.0.1:1"},
	} {
		if _, _, err := runCmd(t, nil, "", args...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSplitMessages(t *testing.T) {
	cases := []struct {
		in   string
		raw  bool
		want []string
	}{
		{"MSH|1\r\nPID|1\r\nMSH|2\r\n", false, []string{"MSH|1\rPID|1\r", "MSH|2\r"}},
		{"\n\nMSH|1\nPID|MSH\n", false, []string{"MSH|1\rPID|MSH\r"}},
		{"MSH|1\nPID|1", true, []string{"MSH|1\nPID|1\r"}},
		{"PID|1\n", false, nil},
	}
	for _, c := range cases {
		got := splitMessages([]byte(c.in), c.raw)
		if len(got) != len(c.want) {
			t.Fatalf("%q: %q", c.in, got)
		}
		for i := range got {
			if string(got[i]) != c.want[i] {
				t.Errorf("%q: message %d = %q, want %q", c.in, i, got[i], c.want[i])
			}
		}
	}
}
