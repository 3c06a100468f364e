package exchange_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/mllp"
)

// BenchmarkMLLP measures messages per second accepted by the MLLP listener
// and the ACK latency (send to ACK) on loopback, against the private
// PostgreSQL cluster with durable commits, as `laminar serve` runs:
//
//	go test -run '^$' -bench MLLP -benchtime 2000x ./internal/exchange/
//
// b.N messages are spread over LAMINAR_LOAD_CONNS (default 8) connections:
// ADT^A08 updates, and RDE^O11 new orders. It reports msg/s and the p50
// and p99 ACK latency in ms.
func BenchmarkMLLP(b *testing.B) {
	t := b
	conns := envInt("LAMINAR_LOAD_CONNS", 8)
	dir, err := os.MkdirTemp("/tmp", "lml")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "LAMINAR_DATA_DIR": dir, "LAMINAR_MLLP_ADDR": "127.0.0.1:0"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(context.Background(), cfg, quiet, app.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	adt := sample(t, "adt-a08-weight.hl7")
	rde := sample(t, "rde-o11-new.hl7")
	for _, kind := range []struct {
		name string
		msg  func(id string) []byte
	}{
		{"ADT_A08", func(id string) []byte {
			return replace(replace(adt, "MSG00004", id), "MRN200001", "MRN-"+id)
		}},
		{"RDE_O11_NW", func(id string) []byte {
			return replace(replace(rde, "MSG00001", id), "ORD7001", "ORD-"+id)
		}},
	} {
		b.Run(kind.name, func(b *testing.B) { runLoad(b, a, kind.name, kind.msg, conns) })
	}
}

// runLoad sends b.N messages made by msg over conns connections.
func runLoad(b *testing.B, a *app.App, name string, msg func(string) []byte, conns int) {
	t := b
	each := (b.N + conns - 1) / conns
	{
		lat := make([][]time.Duration, conns)
		var wg sync.WaitGroup
		start := time.Now()
		for c := 0; c < conns; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				cl, err := mllp.Dial(context.Background(), a.MLLPAddr())
				if err != nil {
					t.Error(err)
					return
				}
				defer cl.Close()
				for i := 0; i < each; i++ {
					id := fmt.Sprintf("%s-%d-%d-%d", name[:3], b.N, c, i)
					t0 := time.Now()
					raw, err := cl.Send(msg(id))
					lat[c] = append(lat[c], time.Since(t0))
					if err != nil {
						t.Error(err)
						return
					}
					if ack, err := hl7.Parse(raw); err != nil || ack.Get("MSA-1") != "AA" {
						t.Errorf("%s: %q", id, raw)
						return
					}
				}
			}(c)
		}
		wg.Wait()
		took := time.Since(start)
		var all []time.Duration
		for _, l := range lat {
			all = append(all, l...)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		if len(all) == 0 {
			t.Fatal("nothing sent")
		}
		q := func(p float64) time.Duration { return all[int(p*float64(len(all)-1))] }
		b.ReportMetric(float64(len(all))/took.Seconds(), "msg/s")
		b.ReportMetric(float64(q(0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
	}
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return def
	}
	return n
}
