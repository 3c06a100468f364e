package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/balance"
)

func TestBalanceReadCommand(t *testing.T) {
	sim := balance.NewSimulator(balance.SimOptions{StableWait: 200 * time.Millisecond})
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sim.SetWeight(decimal.RequireFromString("12.345"))

	out, _, err := runCmd(t, nil, "", "balance", "read", addr)
	if err != nil {
		t.Fatalf("read: %v\n%s", err, out)
	}
	if strings.TrimSpace(out) != `{"weight":"12.345 g","stable":true,"raw":"S S      12.345 g"}` {
		t.Fatalf("stdout %q", out)
	}

	for _, tc := range []struct {
		name  string
		setup func()
		args  []string
		code  string
	}{
		{"overload", func() { sim.SetOverload(true) }, []string{addr}, balance.CodeOverload},
		{"never stable", func() { sim.SetOverload(false); sim.SetUnstable(-1) }, []string{"--timeout", "300ms", addr}, balance.CodeUnstable},
		{"garbage", func() { sim.SetUnstable(0); sim.SetGarbage("?? 12") }, []string{addr}, balance.CodeBadReply},
		{"nobody there", func() {}, []string{closedAddr(t)}, balance.CodeUnavailable},
		{"bad dialect", func() {}, []string{"--dialect", "ascii", addr}, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			out, _, err := runCmd(t, nil, "", append([]string{"balance", "read"}, tc.args...)...)
			var quiet *silentExit
			if !errors.As(err, &quiet) {
				t.Fatalf("err = %v, want exit 1 with the envelope", err)
			}
			var env struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(out), &env); err != nil || env.Error.Code != tc.code || env.Error.Message == "" {
				t.Fatalf("envelope %q (want code %s)", out, tc.code)
			}
		})
	}
}

func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestBalanceSimulateCommand(t *testing.T) {
	addr := closedAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"balance", "simulate", "--addr", addr, "--weight", "7.25", "--settle", "0"},
			func(string) string { return "" }, pr, io.Discard, io.Discard)
	}()
	c := balance.NewClient(addr, balance.MTSICS)
	defer c.Close()
	var rd balance.Reading
	var err error
	for range 100 { // the listener starts in the goroutine above
		if rd, err = c.Stable(ctx); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || rd.Weight() != "7.25 g" {
		t.Fatalf("simulated reading %s, %v", rd.Weight(), err)
	}
	if _, err := io.WriteString(pw, "O on\n"); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err = c.Stable(ctx); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil || !strings.Contains(err.Error(), "overloaded") {
		t.Fatalf("after typing O on: %v", err)
	}
	cancel()
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("simulate: %v", err)
	}
}
