package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
)

// The safety officer sees the latest signed checkpoints and the key that
// signs them, and the chain check counts them.
func TestCheckpointsShownToTheSafetyOfficer(t *testing.T) {
	s := newAuthServer(t)
	s.api.Config.DataDir = t.TempDir()
	officer := s.token(t, auth.SafetyOfficer)
	key, err := audit.LoadOrCreateKey(s.api.Config.DataDir+"/audit.key", s.api.Config.AuditPublicKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	var taken []audit.Checkpoint
	for range 2 {
		s.token(t, auth.Technician) // one more event
		c, err := audit.TakeCheckpoint(context.Background(), s.st.DB, key, s.api.Config.CheckpointsFile(), false)
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, c)
	}
	rec := s.do(authReq{method: http.MethodGet, path: "/api/v1/audit/checkpoints", bearer: officer})
	wantStatus(t, rec, http.StatusOK, "")
	var got struct {
		Checkpoints []audit.Checkpoint `json:"checkpoints"`
		Keys        []string           `json:"keys"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Checkpoints) != 2 || got.Checkpoints[0].LastID != taken[1].LastID || got.Checkpoints[1].LastID != taken[0].LastID {
		t.Fatalf("checkpoints %+v; want the two taken, newest first", got.Checkpoints)
	}
	if len(got.Keys) != 1 || got.Keys[0] != taken[0].Key {
		t.Fatalf("keys %v; want %s", got.Keys, taken[0].Key)
	}
	rec = s.do(authReq{method: http.MethodGet, path: "/api/v1/audit/verify", bearer: officer})
	var rep audit.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || !rep.OK || rep.Checkpoints != 2 {
		t.Fatalf("verify %s", rec.Body)
	}
	rec = s.do(authReq{method: http.MethodGet, path: "/api/v1/audit/checkpoints", bearer: s.token(t, auth.Technician)})
	wantStatus(t, rec, http.StatusForbidden, "")
}
