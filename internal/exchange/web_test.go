package exchange_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// page fetches a screen as a browser would (HTML), with a bearer token.
func (s *server) page(method, path, token string, form url.Values) (int, string) {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.app.URL()+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The technician's screen of a held preparation says stop, full width;
// the pharmacist's interfaces screen lists the hold, the refused message
// and the code map, and its forms map a code, replay and decide.
func TestInterfacesScreens(t *testing.T) {
	s := startServer(t, nil)
	wantAck(t, s.send(sample(t, "rde-o11-new.hl7")), "AA", "MSG00001")
	prep := s.prepOf("MRN200001")
	tech, pharm := s.login("tech1"), s.login("pharm1")
	if code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", prep), tech, "application/json", []byte("{}")); code != 200 {
		t.Fatalf("claim: %d %s", code, body)
	}
	code, html := s.page("GET", fmt.Sprintf("/tablet/prep/%d", prep), tech, nil)
	if code != 200 || strings.Contains(html, "hold-banner") {
		t.Fatalf("before the change: %d, banner shown: %v", code, strings.Contains(html, "hold-banner"))
	}
	wantAck(t, s.send(sample(t, "rde-o11-change.hl7")), "AA", "MSG00002")
	code, html = s.page("GET", fmt.Sprintf("/tablet/prep/%d", prep), tech, nil)
	if code != 200 || !strings.Contains(html, `class="hold-banner" role="alert"`) || !strings.Contains(html, "ORDER CHANGED / STOPPED — stop.") {
		t.Fatalf("tablet: %d\n%s", code, html)
	}

	unknown := replace(replace(sample(t, "rde-o11-new.hl7"), "60505-6243-4^cefazolin^NDC", "CEF2G^cefazolin 2 g^PHARMSYS"), "MSG00001", "U1")
	unknown = replace(replace(unknown, "RXC|A|60505-6243-4^cefazolin^NDC|2|g\r", ""), "ORD7001", "ORD8")
	wantAck(t, s.send(unknown), "AE", "U1")
	code, html = s.page("GET", "/interfaces?status=error", pharm, nil)
	if code != 200 || !strings.Contains(html, "CEF2G") || !strings.Contains(html, ">Replay<") || !strings.Contains(html, "ORDER CHANGED by the ordering system") {
		t.Fatalf("interfaces: %d\n%s", code, html)
	}
	if code, _ := s.page("GET", "/interfaces", tech, nil); code != 403 {
		t.Fatalf("technician sees the inbox: %d", code)
	}
	code, _ = s.page("POST", "/interfaces/code-map", pharm, url.Values{"system": {"PHARMSYS"}, "code": {"CEF2G"}, "drug": {"cefazolin"}})
	if code != 303 || s.count(`SELECT count(*) FROM drug_code_map WHERE code = 'CEF2G' AND drug = 'cefazolin'`) != 1 {
		t.Fatalf("map: %d", code)
	}
	var id int64
	if err := s.app.Store.DB.Get(&id, `SELECT id FROM interface_inbox WHERE control_id = 'U1'`); err != nil {
		t.Fatal(err)
	}
	if code, _ = s.page("POST", fmt.Sprintf("/interfaces/%d/replay", id), pharm, url.Values{}); code != 303 {
		t.Fatalf("replay: %d", code)
	}
	if n := s.count(`SELECT count(*) FROM interface_inbox WHERE control_id = 'U1' AND status = 'applied'`); n != 1 {
		t.Fatal("replay from the screen did not apply the message")
	}
	code, _ = s.page("POST", fmt.Sprintf("/interfaces/holds/%d", prep), pharm, url.Values{"decision": {"stop"}, "reason": {"new dose"}})
	if code != 303 || s.status(prep) != "cancelled" {
		t.Fatalf("decide: %d, status %s", code, s.status(prep))
	}
}
