package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/pgcluster"
	"github.com/laminar-rx/laminar/internal/store"
)

const budContractExample = `{"category": "2", "method": "aseptic", "sterility_tested": false,
 "starting_components": "sterile", "storage": "refrigerator",
 "compounded_at": "2026-11-24T09:00:00Z", "stability_limit": "72 h",
 "components": [{"name": "cefazolin 1 g vial lot A123", "expires_at": "2027-01-31",
                 "container": "single_dose", "opened_at": "2026-11-24T08:50:00Z"}]}`

type budOut struct {
	BUD          string `json:"bud"`
	LimitedBy    string `json:"limited_by"`
	Reason       string `json:"reason"`
	RulesVersion string `json:"rules_version"`
}

func budOK(t *testing.T, envs map[string]string, stdin string, args ...string) budOut {
	t.Helper()
	stdout, stderr, err := runCmd(t, envs, stdin, append([]string{"bud"}, args...)...)
	if err != nil {
		t.Fatalf("bud %v: %v\nstdout %s\nstderr %s", args, err, stdout, stderr)
	}
	var r budOut
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	return r
}

// budRefused runs bud expecting exit 1 with the envelope on stdout.
func budRefused(t *testing.T, envs map[string]string, stdin, code, field string, args ...string) string {
	t.Helper()
	stdout, _, err := runCmd(t, envs, stdin, append([]string{"bud"}, args...)...)
	var quiet *silentExit
	if !errors.As(err, &quiet) {
		t.Fatalf("err = %v, want exit 1 with the envelope; stdout %s", err, stdout)
	}
	var env struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(stdout), &env); err != nil {
		t.Fatalf("stdout %q is not the envelope: %v", stdout, err)
	}
	if env.Error.Code != code || env.Error.Field != field || env.Error.Message == "" {
		t.Fatalf("envelope %+v, want code %q field %q", env.Error, code, field)
	}
	return env.Error.Message
}

func TestBUDCommandContractExample(t *testing.T) {
	r := budOK(t, nil, budContractExample)
	if r.BUD != "2026-11-27T09:00:00Z" || r.LimitedBy != "stability" || r.RulesVersion != "usp797-2023.1" || r.Reason == "" {
		t.Fatalf("response %+v", r)
	}
}

func TestBUDCommandRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, stdin, code, field string
	}{
		{"empty stdin", ``, "malformed_json", "body"},
		{"not JSON", `{"category": "2",`, "malformed_json", "body"},
		{"unknown field", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z", "temp": "cold"}`, "unknown_field", "temp"},
		{"no compounded_at", `{"category": "1", "storage": "room"}`, "required", "compounded_at"},
		{"bad storage", `{"category": "1", "storage": "cupboard", "compounded_at": "2026-11-24T09:00:00Z"}`, "invalid", "storage"},
		{"bad component expiry", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z",
			"components": [{"name": "x", "container": "bag", "expires_at": "soon"}]}`, "invalid", "components[0].expires_at"},
		{"category 1 frozen", `{"category": "1", "storage": "freezer", "compounded_at": "2026-11-24T09:00:00Z"}`, "category_storage_not_allowed", "storage"},
		{"expired component", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z",
			"components": [{"name": "KCl lot 9", "container": "bag", "expires_at": "2026-11-24T08:00:00Z"}]}`, "component_expired", "components[0].expires_at"},
		{"before the 2023 table", `{"category": "1", "storage": "room", "compounded_at": "2023-10-31T23:59:59Z"}`, "no_rules_in_force", "compounded_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budRefused(t, nil, tc.stdin, tc.code, tc.field)
		})
	}
}

func TestBUDCommandCategory1FrozenSaysWhy(t *testing.T) {
	msg := budRefused(t, nil, `{"category": "1", "storage": "freezer", "compounded_at": "2026-11-24T09:00:00Z"}`,
		"category_storage_not_allowed", "storage")
	if !strings.Contains(strings.ToLower(msg), "freez") {
		t.Fatalf("message %q does not mention the freezer", msg)
	}
}

// A date-only expiry ends the day in --tz (UTC by default).
func TestBUDCommandTimeZone(t *testing.T) {
	req := `{"category": "2", "method": "aseptic", "starting_components": "sterile", "storage": "room",
		"compounded_at": "2026-11-24T00:30:00Z",
		"components": [{"name": "KCl lot 9", "container": "bag", "expires_at": "2026-11-25"}]}`
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"default UTC", nil, "2026-11-25T23:59:59Z"},
		{"Auckland", []string{"--tz", "Pacific/Auckland"}, "2026-11-25T23:59:59+13:00"},
		{"Chicago", []string{"--tz=America/Chicago"}, "2026-11-25T23:59:59-06:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := budOK(t, nil, req, tc.args...)
			got, err := time.Parse(time.RFC3339, r.BUD)
			want, _ := time.Parse(time.RFC3339, tc.want)
			if err != nil || !got.Equal(want) || r.LimitedBy != "component" {
				t.Fatalf("BUD %s limited by %s, want %s", r.BUD, r.LimitedBy, tc.want)
			}
		})
	}
	budRefused(t, nil, req, "invalid", "--tz", "--tz", "Mars/Olympus_Mons")
}

func TestBUDCommandRejectsArguments(t *testing.T) {
	if _, _, err := runCmd(t, nil, budContractExample, "bud", "request.json"); err == nil || !strings.Contains(err.Error(), "stdin") {
		t.Fatalf("err = %v", err)
	}
}

// --db reads the versions from the configured database: here the private
// cluster in LAMINAR_DATA_DIR, migrated by `laminar migrate`, with a version
// added after the shipped one.
func TestBUDCommandWithDatabase(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "lmb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// PostgreSQL runs as a non-root user when tests run as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	envs := map[string]string{"LAMINAR_DATA_DIR": dir, "LAMINAR_LOG_LEVEL": "error"}

	_, _, err = runCmd(t, envs, budContractExample, "bud", "--db")
	if !errors.Is(err, store.ErrSchemaBehind) {
		t.Fatalf("--db on an unmigrated database: %v, want the schema-behind error", err)
	}
	if _, stderr, err := runCmd(t, envs, "", "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	if r := budOK(t, envs, budContractExample, "--db"); r.BUD != "2026-11-27T09:00:00Z" || r.RulesVersion != "usp797-2023.1" {
		t.Fatalf("--db documented example: %+v", r)
	}

	from := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	addVersion(t, dir, from)
	req := func(at time.Time) string {
		return fmt.Sprintf(`{"category": "2", "method": "aseptic", "starting_components": "sterile",
			"storage": "refrigerator", "compounded_at": %q}`, at.Format(time.RFC3339))
	}
	before, after := from.Add(-time.Minute), from.Add(time.Minute)
	if r := budOK(t, envs, req(before), "--db"); r.RulesVersion != "usp797-2023.1" || r.BUD != before.Add(10*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("before the change: %+v", r)
	}
	if r := budOK(t, envs, req(after), "--db"); r.RulesVersion != "site-2026.1" || r.BUD != after.Add(5*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("after the change: %+v", r)
	}
	// Offline, the built-in table applies whatever the database says.
	if r := budOK(t, envs, req(after)); r.RulesVersion != "usp797-2023.1" {
		t.Fatalf("without --db: %+v", r)
	}
	budRefused(t, envs, `{"category": "1", "storage": "freezer", "compounded_at": "2026-11-24T09:00:00Z"}`,
		"category_storage_not_allowed", "storage", "--db")
	budRefused(t, envs, `{"category": "1", "storage": "room", "compounded_at": "2020-01-01T00:00:00Z"}`,
		"no_rules_in_force", "compounded_at", "--db")
}

// addVersion starts the private cluster on its own and stores a version
// that cuts the Category 2 aseptic/sterile refrigerator limit to 5 days.
func addVersion(t *testing.T, dir string, from time.Time) {
	t.Helper()
	ctx := context.Background()
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir + "/pg", Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	st, err := store.Open(ctx, c.DSN("laminar"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := bud.DefaultRules()
	r.Version, r.EffectiveFrom = "site-2026.1", from
	for i, row := range r.CategoryLimits {
		if row.Category == bud.Category2 && row.Method == bud.MethodAseptic && row.SterilityTested == bud.TestedNo && row.StartingComponents == bud.StartingSterile {
			limits := map[bud.Storage]bud.Duration{}
			for k, v := range row.Limits {
				limits[k] = v
			}
			limits[bud.StorageRefrigerator] = bud.Duration(5 * 24 * time.Hour)
			r.CategoryLimits[i].Limits = limits
		}
	}
	if _, err := st.AddBUDRules(ctx, 0, r); err != nil {
		t.Fatal(err)
	}
}
