package balance

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// startSim runs a simulator on a loopback port for the test.
func startSim(t testing.TB, o SimOptions) (*Simulator, string) {
	t.Helper()
	sim := NewSimulator(o)
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim, addr
}

func client(t testing.TB, addr string, d Dialect) *Client {
	t.Helper()
	c := &Client{Addr: addr, Dialect: d, ReplyTimeout: 500 * time.Millisecond, StableTimeout: 700 * time.Millisecond}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestStableReadingFromSimulator(t *testing.T) {
	sim, addr := startSim(t, SimOptions{})
	sim.SetWeight(dec("12.345"))
	c := client(t, addr, MTSICS)
	rd, err := c.Stable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rd.Weight() != "12.345 g" || !rd.Stable || rd.Raw != "S S      12.345 g" {
		t.Fatalf("got %s stable=%v raw=%q", rd.Weight(), rd.Stable, rd.Raw)
	}
}

func TestZeroTareThenWeigh(t *testing.T) {
	sim, addr := startSim(t, SimOptions{})
	c := client(t, addr, MTSICS)
	ctx := context.Background()
	sim.SetWeight(dec("0.003"))
	if err := c.Zero(ctx); err != nil {
		t.Fatal(err)
	}
	sim.SetWeight(dec("15.503")) // an empty syringe
	tare, err := c.Tare(ctx)
	if err != nil || tare.Weight() != "15.5 g" {
		t.Fatalf("tare %s, %v", tare.Weight(), err)
	}
	sim.SetWeight(dec("25.923")) // filled
	rd, err := c.Stable(ctx)
	if err != nil || rd.Weight() != "10.42 g" {
		t.Fatalf("net %s, %v (want 10.42 g)", rd.Weight(), err)
	}
	sim.SetWeight(dec("100")) // too much to zero
	if err := c.Zero(ctx); codeOf(err) != CodeOverload {
		t.Fatalf("zeroing under load: %v", err)
	}
}

func TestBadDevices(t *testing.T) {
	ctx := context.Background()
	badReplies(t, ctx)
	noReply(t, ctx)
}

// badReplies: the balance answers, but not with a weight we can use.
func badReplies(t *testing.T, ctx context.Context) {
	t.Run("never stable", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{StableWait: 200 * time.Millisecond})
		sim.SetWeight(dec("10"))
		sim.SetUnstable(-1)
		c := client(t, addr, MTSICS)
		_, err := c.Stable(ctx)
		if codeOf(err) != CodeUnstable || !strings.Contains(err.Error(), "did not settle") {
			t.Fatalf("never stable: %v", err)
		}
		rd, err := c.Immediate(ctx)
		if err != nil || rd.Stable {
			t.Fatalf("immediate reading while moving: %+v %v", rd, err)
		}
		if err := c.Zero(ctx); codeOf(err) != CodeUnstable {
			t.Fatalf("zero while moving: %v", err)
		}
	})
	t.Run("balance waits longer than we do", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{StableWait: 5 * time.Second})
		sim.SetUnstable(-1)
		c := client(t, addr, MTSICS)
		if _, err := c.Stable(ctx); codeOf(err) != CodeUnstable {
			t.Fatalf("got %v, want %s", err, CodeUnstable)
		}
	})
	t.Run("overload", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		sim.SetWeight(dec("500"))
		if _, err := client(t, addr, MTSICS).Stable(ctx); codeOf(err) != CodeOverload || !strings.Contains(err.Error(), "overloaded") {
			t.Fatalf("overload: %v", err)
		}
	})
	t.Run("underload", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		sim.SetWeight(dec("-3"))
		if _, err := client(t, addr, MTSICS).Stable(ctx); codeOf(err) != CodeUnderload {
			t.Fatalf("underload: %v", err)
		}
	})
	t.Run("garbage then recovery", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		sim.SetWeight(dec("1"))
		sim.SetGarbage("#!%$ 0x7f nonsense")
		c := client(t, addr, MTSICS)
		_, err := c.Stable(ctx)
		if codeOf(err) != CodeBadReply || !strings.Contains(err.Error(), "not a weight") {
			t.Fatalf("garbage: %v", err)
		}
		sim.SetGarbage("")
		if rd, err := c.Stable(ctx); err != nil || rd.Weight() != "1 g" {
			t.Fatalf("after garbage the next reading is %s, %v", rd.Weight(), err)
		}
	})
	t.Run("endless line", func(t *testing.T) {
		ln, addr := rawServer(t, func(c net.Conn) {
			for range 100 {
				if _, err := c.Write([]byte(strings.Repeat("x", 1000))); err != nil {
					return
				}
			}
		})
		defer ln.Close()
		if _, err := client(t, addr, MTSICS).Stable(ctx); codeOf(err) != CodeBadReply {
			t.Fatalf("endless line: %v", err)
		}
	})
}

// noReply: the balance does not answer, is gone, or we stop waiting.
func noReply(t *testing.T, ctx context.Context) {
	t.Run("silent", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		sim.SetSilent(true)
		if _, err := client(t, addr, MTSICS).Stable(ctx); codeOf(err) != CodeTimeout {
			t.Fatalf("silent: %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		addr := closedPort(t)
		_, err := client(t, addr, MTSICS).Stable(ctx)
		if codeOf(err) != CodeUnavailable || !strings.Contains(err.Error(), "cannot be reached") {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("connection lost and back", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		sim.SetWeight(dec("2"))
		c := client(t, addr, MTSICS)
		if _, err := c.Stable(ctx); err != nil {
			t.Fatal(err)
		}
		_ = sim.Close()
		if _, err := c.Stable(ctx); codeOf(err) != CodeUnavailable {
			t.Fatalf("after the balance went away: %v", err)
		}
		sim2 := NewSimulator(SimOptions{})
		sim2.SetWeight(dec("3"))
		if _, err := sim2.Listen(addr); err != nil {
			t.Fatalf("port %s taken again: %v", addr, err)
		}
		defer sim2.Close()
		if rd, err := c.Stable(ctx); err != nil || rd.Weight() != "3 g" {
			t.Fatalf("after reconnecting: %s %v", rd.Weight(), err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{StableWait: 5 * time.Second})
		sim.SetSilent(true)
		c := client(t, addr, MTSICS)
		c.ReplyTimeout, c.StableTimeout = 10*time.Second, 10*time.Second
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		if _, err := c.Stable(ctx); err != context.Canceled {
			t.Fatalf("cancelled read: %v", err)
		}
	})
}

func TestSimulatorSettles(t *testing.T) {
	sim, addr := startSim(t, SimOptions{Settle: 150 * time.Millisecond, StableWait: 2 * time.Second})
	c := client(t, addr, MTSICS)
	c.StableTimeout = 3 * time.Second
	sim.SetWeight(dec("7.5"))
	rd, err := c.Immediate(context.Background())
	if err != nil || rd.Stable {
		t.Fatalf("just after loading the reading is %+v, %v; want a moving one", rd, err)
	}
	rd, err = c.Stable(context.Background())
	if err != nil || rd.Weight() != "7.5 g" {
		t.Fatalf("once settled: %s %v", rd.Weight(), err)
	}
}

func TestSBIDialect(t *testing.T) {
	sim, addr := startSim(t, SimOptions{Dialect: SBI})
	c := client(t, addr, SBI)
	ctx := context.Background()
	sim.SetWeight(dec("5"))
	if _, err := c.Tare(ctx); err != nil {
		t.Fatal(err)
	}
	sim.SetWeight(dec("17.25"))
	rd, err := c.Stable(ctx)
	if err != nil || rd.Weight() != "12.25 g" || !strings.HasPrefix(rd.Raw, "N     +") {
		t.Fatalf("SBI reading %s %q %v", rd.Weight(), rd.Raw, err)
	}
	sim.SetUnstable(-1)
	if _, err := c.Stable(ctx); codeOf(err) != CodeUnstable {
		t.Fatalf("SBI never stable: %v", err)
	}
	sim.SetUnstable(0)
	sim.SetOverload(true)
	if _, err := c.Stable(ctx); codeOf(err) != CodeOverload {
		t.Fatalf("SBI overload: %v", err)
	}
}

func TestSimulatorControlCommands(t *testing.T) {
	_, addr := startSim(t, SimOptions{})
	c := client(t, addr, MTSICS)
	ctx := context.Background()
	for cmd, want := range map[string]string{"SIM W 3.21": "SIM A", "SIM W x": "SIM L", "SIM U 1x": "SIM L", "SIM O maybe": "SIM L", "SIM N 0.01": "SIM A", "XYZ": "ES"} {
		line, err := c.exchange(ctx, cmd, time.Second)
		if err != nil || line != want+"\r" && line != want {
			t.Errorf("%s → %q %v, want %s", cmd, line, err, want)
		}
	}
	if err := c.Simulate(ctx, "W 4.5"); err != nil {
		t.Fatal(err)
	}
	if rd, err := c.Stable(ctx); err != nil || rd.Weight() != "4.5 g" {
		t.Fatalf("after SIM W: %s %v", rd.Weight(), err)
	}
	if err := c.Simulate(ctx, "O sideways"); err == nil {
		t.Fatal("a bad simulator command was accepted")
	}
}

// Any weight within capacity comes back exactly, rounded to the display.
func TestSimulatorRoundTripProperty(t *testing.T) {
	sim, addr := startSim(t, SimOptions{})
	c := client(t, addr, MTSICS)
	rapid.Check(t, func(rt *rapid.T) {
		milli := rapid.Int64Range(0, 219_999).Draw(rt, "mg")
		extra := rapid.Int64Range(0, 9).Draw(rt, "below display")
		w := decimal.New(milli*10+extra, -4)
		sim.SetWeight(w)
		rd, err := c.Stable(context.Background())
		if err != nil {
			rt.Fatal(err)
		}
		if want := w.Round(3); !rd.Value.Equal(want) {
			rt.Fatalf("put %s on the pan, read %s (want %s)", w, rd.Weight(), want)
		}
	})
}

func rawServer(t *testing.T, serve func(net.Conn)) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return ln, ln.Addr().String()
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// BenchmarkStableReading measures one stable reading (S and its reply) from
// the simulator over loopback on a kept connection.
func BenchmarkStableReading(b *testing.B) {
	sim, addr := startSim(b, SimOptions{})
	sim.SetWeight(dec("12.345"))
	c := client(b, addr, MTSICS)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Stable(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
