package exchange_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/mllp"
	"github.com/laminar-rx/laminar/internal/testdb"
)

const childEnv = "LAMINAR_EXCHANGE_TEST_CHILD"

// runChildServer is the server of the crash test: it starts on the
// database given in DATABASE_URL, prints its MLLP address and serves
// until it is killed.
func runChildServer() {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	a, err := app.Start(context.Background(), cfg, quiet, app.Options{Demo: true})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("MLLP", a.MLLPAddr())
	select {}
}

// child is a server process.
type child struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(t *testing.T, dbURL string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "DATABASE_URL="+dbURL, "LAMINAR_ADDR=127.0.0.1:0", "LAMINAR_MLLP_ADDR=127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := lines.Text()
		if addr, ok := strings.CutPrefix(line, "MLLP "); ok {
			go func() { // keep draining
				for lines.Scan() {
				}
			}()
			return &child{cmd: cmd, addr: addr}
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("child server: %s", line)
		}
	}
	t.Fatalf("child server ended before serving: %v", lines.Err())
	return nil
}

// The crash test: the server is killed with SIGKILL in the middle of a
// burst from several senders. The senders do what an interface engine
// does: whatever got no ACK is sent again (to the restarted server), and
// some ACKed messages are sent again too (their ACK "lost"). Afterwards
// every message has been applied exactly once: one order per placer
// number, no order without its link, every inbox entry applied.
func TestCrashDuringBurst(t *testing.T) {
	url := testdb.NewURL(t)
	srv := startChild(t, url)
	b := newCrashBurst(t, 4, 40)
	unacked := b.killMidBurst(srv)
	b.resendAfterRestart(url, unacked)
	checkAppliedExactlyOnce(t, url, b.senders*b.each)
}

// crashBurst is the burst of the crash test: each of senders sends its
// own each messages, in order; acked records every message acknowledged.
type crashBurst struct {
	t             *testing.T
	senders, each int
	msgs          map[string][]byte
	order         [][]string
	mu            sync.Mutex
	acked         map[string]bool
}

func newCrashBurst(t *testing.T, senders, each int) *crashBurst {
	base := sample(t, "rde-o11-new.hl7")
	b := &crashBurst{t: t, senders: senders, each: each, msgs: map[string][]byte{}, acked: map[string]bool{}}
	for s := 0; s < senders; s++ {
		var ids []string
		for i := 0; i < each; i++ {
			id := fmt.Sprintf("K%dN%d", s, i)
			b.msgs[id] = replace(replace(base, "MSG00001", id), "ORD7001", "ORD-"+id)
			ids = append(ids, id)
		}
		b.order = append(b.order, ids)
	}
	return b
}

// send sends ids over one connection to addr. With stopAtError it stops at
// the first failure and returns what it did not send; otherwise every
// failure is an error of the test.
func (b *crashBurst) send(addr string, ids []string, stopAtError bool) []string {
	t := b.t
	var left []string
	c, err := mllp.Dial(context.Background(), addr)
	if err != nil {
		return ids
	}
	defer c.Close()
	c.Timeout = 20 * time.Second
	for i, id := range ids {
		raw, err := c.Send(b.msgs[id])
		if err != nil {
			if stopAtError {
				return append(left, ids[i:]...)
			}
			t.Errorf("%s: %v", id, err)
			continue
		}
		ack, err := hl7.Parse(raw)
		if err != nil || ack.Get("MSA-1") != "AA" || ack.Get("MSA-2") != id {
			t.Errorf("%s: ACK %q", id, raw)
			continue
		}
		b.mu.Lock()
		b.acked[id] = true
		b.mu.Unlock()
	}
	return left
}

// killMidBurst runs the burst and kills srv once about a third of it is
// acknowledged; it returns, per sender, what was not acknowledged.
func (b *crashBurst) killMidBurst(srv *child) [][]string {
	t, senders, each := b.t, b.senders, b.each
	var wg sync.WaitGroup
	unacked := make([][]string, senders)
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) { defer wg.Done(); unacked[s] = b.send(srv.addr, b.order[s], true) }(s)
	}
	for {
		b.mu.Lock()
		n := len(b.acked)
		b.mu.Unlock()
		if n >= senders*each/3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	wg.Wait()
	b.mu.Lock()
	ackedBefore := len(b.acked)
	b.mu.Unlock()
	if ackedBefore == senders*each {
		t.Fatal("the whole burst was acknowledged before the kill; nothing was tested")
	}
	t.Logf("killed with %d of %d messages acknowledged", ackedBefore, senders*each)
	return unacked
}

// resendAfterRestart restarts the server and resends what was not
// acknowledged, and every fifth message that was (its ACK lost on the way).
func (b *crashBurst) resendAfterRestart(url string, unacked [][]string) {
	t, senders, each := b.t, b.senders, b.each
	var wg sync.WaitGroup
	srv := startChild(t, url)
	for s := 0; s < senders; s++ {
		again := append([]string(nil), unacked[s]...)
		for i, id := range b.order[s] {
			if i%5 == 0 && !contains(again, id) {
				again = append(again, id)
			}
		}
		wg.Add(1)
		go func(ids []string) { defer wg.Done(); b.send(srv.addr, ids, false) }(again)
	}
	wg.Wait()
	if len(b.acked) != senders*each {
		t.Fatalf("%d of %d messages acknowledged after the restart", len(b.acked), senders*each)
	}
}

// checkAppliedExactlyOnce: every one of the total messages was applied
// exactly once.
func checkAppliedExactlyOnce(t *testing.T, url string, total int) {
	st := srvStore(t, url)
	var n int
	check := func(q string, want int) {
		t.Helper()
		if err := st.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	check(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001'`, total)
	check(`SELECT count(DISTINCT placer) FROM external_orders`, total)
	check(`SELECT count(*) FROM external_orders`, total)
	check(`SELECT count(*) FROM preparations p JOIN orders o ON o.id = p.order_id WHERE o.patient_mrn = 'MRN200001'`, total)
	check(`SELECT count(*) FROM interface_inbox WHERE status = 'applied'`, total)
	check(`SELECT count(*) FROM interface_inbox`, total)
	check(`SELECT count(*) FROM audit_events WHERE type = 'order.created' AND payload->>'mrn' = 'MRN200001'`, total)
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
