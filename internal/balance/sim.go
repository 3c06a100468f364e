package balance

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Simulator is a balance on a TCP port. It speaks MT-SICS level 0 (S, SI,
// Z, T, I4, @) or SBI (ESC P, ESC f3_, ESC f4_), and a few commands of its
// own, starting with "SIM", so that a demo or a test can change what is on
// the pan from outside:
//
//	SIM W 12.345   put 12.345 g on the pan (unsettled for the settle time)
//	SIM U 3s       unstable for 3 s ("SIM U on" for ever, "SIM U off")
//	SIM N 0.005    noise amplitude in g while unstable
//	SIM O on|off   force overload
//
// Each answers "SIM A" (done) or "SIM L" (bad argument).
type Simulator struct {
	mu        sync.Mutex
	dialect   Dialect
	places    int32
	capacity  decimal.Decimal
	wait      time.Duration
	settle    time.Duration
	gross     decimal.Decimal
	zero      decimal.Decimal
	tare      decimal.Decimal
	noise     decimal.Decimal
	until     time.Time
	always    bool
	overload  bool
	garbage   string
	silent    bool
	commands  int
	rnd       *rand.Rand
	ln        net.Listener
	conns     map[net.Conn]struct{}
	closed    chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// SimOptions configure a Simulator; zero values take the defaults.
type SimOptions struct {
	Dialect Dialect
	// Places is the number of decimals shown (default 3: 0.001 g).
	Places int32
	// Capacity in grams (default 220).
	Capacity decimal.Decimal
	// StableWait is how long S, Z and T wait for the balance to settle
	// before answering "I" (default 1 s).
	StableWait time.Duration
	// Settle is how long the reading moves after the load changes
	// (default 0).
	Settle time.Duration
	// Noise is the amplitude in grams of an unsettled reading
	// (default 0.005).
	Noise decimal.Decimal
	// Seed makes the noise repeatable.
	Seed uint64
}

// NewSimulator returns a stopped simulator with nothing on the pan.
func NewSimulator(o SimOptions) *Simulator {
	s := &Simulator{dialect: o.Dialect, places: o.Places, capacity: o.Capacity, wait: o.StableWait,
		settle: o.Settle, noise: o.Noise, rnd: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed)),
		conns: map[net.Conn]struct{}{}, closed: make(chan struct{})}
	if s.dialect == "" {
		s.dialect = MTSICS
	}
	if s.places <= 0 {
		s.places = 3
	}
	if s.capacity.Sign() <= 0 {
		s.capacity = decimal.NewFromInt(220)
	}
	if s.wait <= 0 {
		s.wait = time.Second
	}
	if s.noise.Sign() <= 0 {
		s.noise = decimal.New(5, -3)
	}
	return s
}

// Listen starts serving on addr ("127.0.0.1:0" picks a port) and returns the
// address it listens on.
func (s *Simulator) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.wg.Add(1)
	go s.accept(ln)
	return ln.Addr().String(), nil
}

// Close stops the listener and every connection, and waits for them.
func (s *Simulator) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		if s.ln != nil {
			err = s.ln.Close()
		}
		for c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return err
}

// SetWeight puts grams on the pan (a negative value is a pan taken off); the
// reading moves for the settle time.
func (s *Simulator) SetWeight(grams decimal.Decimal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gross = grams
	if t := time.Now().Add(s.settle); t.After(s.until) {
		s.until = t
	}
}

// SetUnstable makes the reading move for d; d < 0 means until SetUnstable(0).
func (s *Simulator) SetUnstable(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.always = d < 0
	s.until = time.Now().Add(max(d, 0))
}

// SetNoise sets the amplitude in grams of an unsettled reading.
func (s *Simulator) SetNoise(grams decimal.Decimal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noise = grams.Abs()
}

// SetOverload forces the overload reply whatever the load.
func (s *Simulator) SetOverload(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overload = on
}

// SetGarbage makes every reply the given line instead ("" = normal replies).
func (s *Simulator) SetGarbage(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.garbage = line
}

// SetSilent makes the balance read commands and never answer.
func (s *Simulator) SetSilent(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent = on
}

// Commands is how many commands the simulator has received.
func (s *Simulator) Commands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands
}

func (s *Simulator) accept(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *Simulator) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		_ = c.Close()
	}()
	r := bufio.NewReader(c)
	for {
		line, err := readLine(r)
		if err != nil && !errors.Is(err, errLineTooLong) {
			return
		}
		reply, ok := s.handle(strings.TrimRight(line, "\r"))
		if !ok {
			continue
		}
		if _, err := c.Write([]byte(reply + "\r\n")); err != nil {
			return
		}
	}
}

// handle answers one command; ok is false when nothing is sent back.
func (s *Simulator) handle(cmd string) (reply string, ok bool) {
	s.mu.Lock()
	s.commands++
	silent, garbage, dialect := s.silent, s.garbage, s.dialect
	s.mu.Unlock()
	if strings.HasPrefix(cmd, "SIM ") {
		return s.Control(cmd[4:]), true
	}
	if silent {
		return "", false
	}
	if garbage != "" {
		return garbage, true
	}
	if dialect == SBI {
		return s.sbi(cmd)
	}
	return s.sics(cmd), true
}

func (s *Simulator) sics(cmd string) string {
	switch cmd {
	case "SI":
		rd, stable, over, under := s.read()
		return sicsWeight("S", rd, stable, over, under)
	case "S":
		if !s.waitStable() {
			return "S I"
		}
		rd, _, over, under := s.read()
		return sicsWeight("S", rd, true, over, under)
	case "Z":
		if !s.waitStable() {
			return "Z I"
		}
		return s.setZero()
	case "T":
		if !s.waitStable() {
			return "T I"
		}
		return s.setTare()
	case "@", "I4":
		return `I4 A "SIM0001"`
	}
	return "ES"
}

func sicsWeight(id, value string, stable, over, under bool) string {
	switch {
	case over:
		return id + " +"
	case under:
		return id + " -"
	case stable:
		return fmt.Sprintf("%s S%12s g", id, value)
	}
	return fmt.Sprintf("%s D%12s g", id, value)
}

func (s *Simulator) sbi(cmd string) (string, bool) {
	switch cmd {
	case "\x1bP":
		rd, stable, over, under := s.read()
		switch {
		case over:
			return "Stat      High    ", true
		case under:
			return "Stat      Low     ", true
		}
		sign := "+"
		if strings.HasPrefix(rd, "-") {
			sign, rd = "-", rd[1:]
		}
		unit := "   "
		if stable {
			unit = "g  "
		}
		return fmt.Sprintf("N     %s%9s %s", sign, rd, unit), true
	case "\x1bf3_":
		if s.waitStable() {
			s.setZero()
		}
	case "\x1bf4_", "\x1bT":
		if s.waitStable() {
			s.setTare()
		}
	}
	return "", false
}

func (s *Simulator) setZero() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A balance zeroes only a small load (here 2 % of its capacity).
	if s.gross.Abs().GreaterThan(s.capacity.Div(decimal.NewFromInt(50))) {
		return "Z +"
	}
	s.zero, s.tare = s.gross, decimal.Zero
	return "Z A"
}

func (s *Simulator) setTare() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overload || s.gross.GreaterThan(s.capacity) {
		return "T +"
	}
	s.tare = s.gross.Sub(s.zero)
	return fmt.Sprintf("T S%12s g", s.tare.StringFixed(s.places))
}

// stableNow reports whether the reading has settled; the caller holds mu.
func (s *Simulator) stableNow() bool {
	return !s.always && !time.Now().Before(s.until)
}

// waitStable waits up to the stable wait for the reading to settle.
func (s *Simulator) waitStable() bool {
	s.mu.Lock()
	deadline := time.Now().Add(s.wait)
	s.mu.Unlock()
	for {
		s.mu.Lock()
		ok := s.stableNow()
		s.mu.Unlock()
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-s.closed:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// read is the net reading as the display shows it.
func (s *Simulator) read() (value string, stable, over, under bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	over = s.overload || s.gross.GreaterThan(s.capacity)
	under = s.gross.Sign() < 0
	net := s.gross.Sub(s.zero).Sub(s.tare)
	stable = s.stableNow()
	if !stable {
		// Uniform noise in [-noise, +noise] at the display's resolution.
		steps := s.noise.Shift(s.places).IntPart()
		if steps > 0 {
			net = net.Add(decimal.New(s.rnd.Int64N(2*steps+1)-steps, -s.places))
		}
	}
	return net.StringFixed(s.places), stable, over, under
}

// Control runs one of the simulator's own commands ("W 12.345", "U 3s",
// "U on", "N 0.005", "O off") and answers "SIM A" (done) or "SIM L".
func (s *Simulator) Control(cmd string) string {
	args := strings.Fields(cmd)
	if len(args) != 2 {
		return "SIM L"
	}
	switch args[0] {
	case "W":
		d, err := decimal.NewFromString(args[1])
		if err != nil {
			return "SIM L"
		}
		s.SetWeight(d)
	case "U":
		switch args[1] {
		case "on":
			s.SetUnstable(-1)
		case "off":
			s.SetUnstable(0)
		default:
			d, err := time.ParseDuration(args[1])
			if err != nil || d < 0 {
				return "SIM L"
			}
			s.SetUnstable(d)
		}
	case "N":
		d, err := decimal.NewFromString(args[1])
		if err != nil {
			return "SIM L"
		}
		s.SetNoise(d)
	case "O":
		if args[1] != "on" && args[1] != "off" {
			return "SIM L"
		}
		s.SetOverload(args[1] == "on")
	default:
		return "SIM L"
	}
	return "SIM A"
}
