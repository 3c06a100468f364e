package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/balance"
)

const balanceUsage = `balance read [--dialect mt-sics|sbi] [--timeout 5s] ADDR
       laminar balance simulate [--addr 127.0.0.1:4001] [--weight 12.345] [--unstable 3s|on] [--overload] ...

read asks the balance at ADDR (host:port) for one stable weight and prints
{"weight":"12.345 g","stable":true,"raw":"S S      12.345 g"}; when the
balance is overloaded, does not settle, does not answer or answers something
that is not a weight it prints the error envelope and exits 1.

simulate runs a balance simulator (MT-SICS by default) until interrupted.
Lines typed on standard input change it: "W 12.345" (grams on the pan),
"U 3s" / "U on" / "U off" (unstable), "N 0.005" (noise), "O on" / "O off"
(overload); the same commands arrive over TCP prefixed with "SIM ".`

func cmdBalance(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		newFlags(e, "balance", balanceUsage).Usage()
		if len(args) == 0 {
			return errors.New("balance needs a subcommand: read or simulate")
		}
		return nil
	}
	switch args[0] {
	case "read":
		return cmdBalanceRead(ctx, e, args[1:])
	case "simulate":
		return cmdBalanceSimulate(ctx, e, args[1:])
	}
	return fmt.Errorf("unknown balance subcommand %q; expected read or simulate", args[0])
}

func cmdBalanceRead(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "balance", balanceUsage)
	dialect := fs.String("dialect", "mt-sics", "the balance's protocol: mt-sics or sbi")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for a stable weight")
	addr, help, err := oneArgument(fs, args, "balance read takes one ADDR argument (host:port)")
	if help || err != nil {
		return err
	}
	d, err := balance.ParseDialect(*dialect)
	if err != nil {
		return failAppErr(e, err)
	}
	c := balance.NewClient(addr, d)
	c.StableTimeout = *timeout
	defer c.Close()
	rd, err := c.Stable(ctx)
	if err != nil {
		return failAppErr(e, err)
	}
	b, err := json.Marshal(rd)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

// failAppErr prints an error as the envelope and exits 1.
func failAppErr(e env, err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return failJSON(e.stdout, ae.CodeOrKind(), ae.Message, ae.Field)
	}
	return failJSON(e.stdout, "internal", err.Error(), "")
}

func cmdBalanceSimulate(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "balance", balanceUsage)
	addr := fs.String("addr", "127.0.0.1:4001", "host:port to listen on")
	dialect := fs.String("dialect", "mt-sics", "protocol to speak: mt-sics or sbi")
	weight := fs.String("weight", "0", "grams on the pan at start")
	noise := fs.String("noise", "0.005", "amplitude in grams of an unsettled reading")
	unstable := fs.String("unstable", "off", `unstable at start: a duration ("3s"), "on" (until changed) or "off"`)
	overload := fs.Bool("overload", false, "report overload whatever the load")
	places := fs.Int("places", 3, "decimals shown (3 = 0.001 g)")
	settle := fs.Duration("settle", 500*time.Millisecond, "how long the reading moves after the load changes")
	wait := fs.Duration("stable-wait", 2*time.Second, `how long S, Z and T wait for a settled reading before answering "I"`)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	d, err := balance.ParseDialect(*dialect)
	if err != nil {
		return err
	}
	w, err1 := decimal.NewFromString(*weight)
	n, err2 := decimal.NewFromString(*noise)
	if err1 != nil || err2 != nil {
		return errors.New("--weight and --noise are decimal grams, such as 12.345")
	}
	if *places < 0 || *places > 6 {
		return errors.New("--places is 0 to 6")
	}
	sim := balance.NewSimulator(balance.SimOptions{Dialect: d, Places: int32(*places), StableWait: *wait, Settle: *settle, Noise: n})
	sim.SetWeight(w)
	sim.SetOverload(*overload)
	if reply := sim.Control("U " + *unstable); reply != "SIM A" {
		return fmt.Errorf("--unstable %q: expected a duration, on or off", *unstable)
	}
	bound, err := sim.Listen(*addr)
	if err != nil {
		return err
	}
	defer sim.Close()
	fmt.Fprintf(e.stderr, "balance simulator (%s) listening on %s; type W 12.345, U 3s, O on, N 0.005\n", d, bound)
	go func() {
		sc := bufio.NewScanner(e.stdin)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				fmt.Fprintln(e.stderr, sim.Control(line))
			}
		}
	}()
	<-ctx.Done()
	return nil
}
