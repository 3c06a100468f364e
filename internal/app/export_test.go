package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
)

// The attack: CSV exports of a large log opened and never read. Each used
// to hold a connection of the server's pool, until /readyz failed and the
// queue hung. Now each person gets two at a time, they read through a
// pool of their own, and the server keeps answering.
func TestUnreadExportsDoNotStarveThePool(t *testing.T) {
	a := startWith(t, map[string]string{"LAMINAR_DB_POOL": "2"})
	ctx := context.Background()
	blob := strings.Repeat("x", 16<<10)
	for batch := 0; batch < 15; batch++ {
		err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
			for i := range 100 {
				if _, err := audit.Append(ctx, tx, audit.Event{Type: "test.bulk", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d,"blob":%q}`, i, blob))}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	officer := loginToken(t, a, "safety1")
	statuses := map[int]int{}
	for range 6 {
		conn := dial(t, a)
		fmt.Fprintf(conn, "GET /api/v1/audit?format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", officer)
		line, err := bufio.NewReader(conn).ReadString('\n') // the status line, then never read again
		if err != nil {
			t.Fatal(err)
		}
		var code int
		fmt.Sscanf(line, "HTTP/1.1 %d", &code)
		statuses[code]++
	}
	if statuses[200] != 2 || statuses[429] != 4 {
		t.Fatalf("six exports by one person: %v; want two running and four refused (429)", statuses)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(a.URL() + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz while two exports stall: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", a.URL()+"/api/v1/queue", nil)
	req.Header.Set("Authorization", "Bearer "+loginToken(t, a, "tech1"))
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the queue while two exports stall: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func loginToken(t *testing.T, a interface{ URL() string }, user string) string {
	t.Helper()
	resp, err := http.Post(a.URL()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"demo-`+user+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login %s: %v %v", user, resp, err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.Token
}
