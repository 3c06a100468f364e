package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// apiClient calls the JSON API with a bearer token: the test uses it to
// look things up (product codes) and to check what the screens did.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func login(t *testing.T, base, user string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: base}
	var out struct {
		Token string `json:"token"`
	}
	c.call("POST", "/api/v1/login", map[string]string{"username": user, "password": "demo-" + user}, &out)
	if out.Token == "" {
		t.Fatalf("login %s: no token", user)
	}
	c.token = out.Token
	return c
}

// do sends one request and returns the status and the body read whole.
func (c *apiClient) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return res.StatusCode, buf.Bytes()
}

// call sends a request that must succeed and decodes its answer into out.
func (c *apiClient) call(method, path string, body, out any) int {
	c.t.Helper()
	status, b := c.do(method, path, body)
	if status >= 300 {
		c.t.Fatalf("%s %s = %d %s", method, path, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return status
}

// try sends a request and returns its status, without failing on a refusal.
func (c *apiClient) try(method, path string, body any) int {
	c.t.Helper()
	status, _ := c.do(method, path, body)
	return status
}

type queueItem struct {
	ID       int64  `json:"preparation_id"`
	Drug     string `json:"drug"`
	Priority string `json:"priority"`
	Status   string `json:"status"`
}

func (c *apiClient) queue() []queueItem {
	var q struct {
		Items []queueItem `json:"items"`
	}
	c.call("GET", "/api/v1/queue", nil, &q)
	return q.Items
}

type prepStep struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Of      string `json:"of"`
	Done    bool   `json:"done"`
	State   string `json:"state"`
	Expects struct {
		ProductIDs     []int64 `json:"product_ids"`
		Count          int     `json:"count"`
		ExpectedWeight string  `json:"expected_weight"`
	} `json:"expects"`
}

type prepDoc struct {
	Status    string     `json:"status"`
	LabelData string     `json:"label_data"`
	Steps     []prepStep `json:"steps"`
	Scans     []struct {
		StepID   string `json:"step_id"`
		Accepted bool   `json:"accepted"`
		Code     string `json:"code"`
		Lot      string `json:"lot"`
		Serial   string `json:"serial"`
	} `json:"scans"`
}

func (c *apiClient) prep(id int64) prepDoc {
	var raw map[string]json.RawMessage
	c.call("GET", fmt.Sprintf("/api/v1/preparations/%d", id), nil, &raw)
	var d prepDoc
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &d); err != nil {
		c.t.Fatal(err)
	}
	if len(d.Steps) == 0 {
		// The steps may sit inside the worksheet.
		var ws struct {
			Steps []prepStep `json:"steps"`
		}
		if w, ok := raw["worksheet"]; ok {
			_ = json.Unmarshal(w, &ws)
			d.Steps = ws.Steps
		}
	}
	return d
}

type product struct {
	ID    int64  `json:"id"`
	Drug  string `json:"drug"`
	GTIN  string `json:"gtin"`
	Codes []struct {
		Kind string `json:"kind"`
		GTIN string `json:"gtin"`
	} `json:"codes"`
	Container string `json:"container"`
}

// unitGTIN is the GTIN printed on the vial or bag itself, what a
// technician scans at the bench.
func (p product) unitGTIN() string {
	for _, c := range p.Codes {
		if strings.Contains(c.Kind, "unit") && c.GTIN != "" {
			return c.GTIN
		}
	}
	return p.GTIN
}

func (c *apiClient) product(id int64) product {
	var p product
	c.call("GET", fmt.Sprintf("/api/v1/products/%d", id), nil, &p)
	return p
}

func (c *apiClient) products(q string) []product {
	var l struct {
		Items []product `json:"items"`
	}
	c.call("GET", "/api/v1/products?q="+q, nil, &l)
	return l.Items
}

// gs1 builds a DataMatrix element string as a wedge scanner types it: GTIN,
// expiry, then the lot (GS-terminated) and serial.
func gs1(gtin, expiry, lot, serial string) string {
	s := "01" + gtin + "17" + expiry + "10" + lot
	if serial != "" {
		s += "\x1d21" + serial
	}
	return s
}
