// Package deploy holds the deployment examples (compose, systemd,
// Prometheus alerts); its tests check them and the Dockerfile statically,
// without building an image or starting a container.
package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct{ op, args string }

func parseDockerfile(t *testing.T, text string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// The image: multi-stage, a static build, a slim final stage running as an
// unprivileged user with the PostgreSQL client for backups, a health check
// on the server's probes, the Go version of go.mod, nothing fetched by URL.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, read(t, "../Dockerfile"))
	var stages [][]instruction
	for _, in := range ins {
		if in.op == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasSuffix(build[0].args, " AS build") || !strings.HasPrefix(build[0].args, "golang:") {
		t.Errorf("first stage = FROM %s, want the Go toolchain AS build", build[0].args)
	}
	goMod := read(t, "../go.mod")
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(goMod)
	if m == nil || !strings.HasPrefix(build[0].args, "golang:"+m[1]+"-") {
		t.Errorf("build stage %q does not use go.mod's Go %v", build[0].args, m)
	}
	if !strings.Contains(final[0].args, "-slim") && !strings.Contains(final[0].args, "distroless") {
		t.Errorf("final stage FROM %s is neither slim nor distroless", final[0].args)
	}
	has := func(stage []instruction, op, substr string) bool {
		for _, in := range stage {
			if in.op == op && strings.Contains(in.args, substr) {
				return true
			}
		}
		return false
	}
	if !has(build, "RUN", "CGO_ENABLED=0 go build") {
		t.Error("the build stage does not build a static binary")
	}
	if !has(final, "COPY", "--from=build") {
		t.Error("the final stage does not copy the binary from the build stage")
	}
	if !has(final, "RUN", "postgresql-client") || !has(final, "RUN", "--no-install-recommends") || !has(final, "RUN", "rm -rf /var/lib/apt/lists") {
		t.Error("the final stage must install postgresql-client lean (no recommends, apt lists removed)")
	}
	var user string
	for _, in := range final {
		if in.op == "USER" {
			user = in.args
		}
		if in.op == "ADD" && regexp.MustCompile(`https?://`).MatchString(in.args) {
			t.Errorf("ADD from a URL: %s", in.args)
		}
		if in.op == "ENV" && regexp.MustCompile(`(?i)password|secret|token`).MatchString(in.args) {
			t.Errorf("a secret in the image: ENV %s", in.args)
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("final stage USER %q: the server must not run as root", user)
	}
	if !has(final, "HEALTHCHECK", "laminar\", \"healthcheck\"") || !has(final, "HEALTHCHECK", "/healthz") {
		t.Error("no HEALTHCHECK running `laminar healthcheck` on /healthz")
	}
	if !has(final, "ENTRYPOINT", "laminar") || !has(final, "CMD", "serve") {
		t.Error("the image does not run `laminar serve` by default")
	}
	for _, in := range ins {
		if in.op == "FROM" && (strings.Contains(in.args, ":latest") || !strings.Contains(strings.Fields(in.args)[0], ":")) {
			t.Errorf("FROM %s: pin a version", in.args)
		}
	}
	ignore := read(t, "../.dockerignore")
	for _, p := range []string{".git", ".laminar"} {
		if !strings.Contains(ignore, p) {
			t.Errorf(".dockerignore lacks %s (the private database must never enter an image)", p)
		}
	}
}

// `make image` builds the image; `make test` never does.
func TestMakeImageIsSeparate(t *testing.T) {
	mk := read(t, "../Makefile")
	targets := map[string]string{}
	var cur string
	for _, line := range strings.Split(mk, "\n") {
		if m := regexp.MustCompile(`^([a-z-]+):(.*)$`).FindStringSubmatch(line); m != nil {
			cur = m[1]
			targets[cur] = m[2] + "\n"
			continue
		}
		if strings.HasPrefix(line, "\t") && cur != "" {
			targets[cur] += line + "\n"
		}
	}
	if !strings.Contains(targets["image"], "docker build") {
		t.Fatalf("no `image` target running docker build: %q", targets["image"])
	}
	// Walk what `make test` runs, through its prerequisites.
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		body := targets[name]
		if strings.Contains(body, "docker") {
			t.Errorf("make test runs docker through target %s", name)
		}
		prereqs, _, _ := strings.Cut(body, "\n")
		for _, p := range strings.Fields(prereqs) {
			walk(p)
		}
	}
	walk("test")
	if seen["image"] {
		t.Error("make test depends on the image")
	}
}

// compose: PostgreSQL, a migrate step, the server; health checks on the
// probes; no password written in the file.
func TestCompose(t *testing.T) {
	c := read(t, "compose.yaml")
	for _, want := range []string{
		"postgres:", "migrate:", "laminar:", `command: ["migrate"]`, `command: ["serve"]`,
		"condition: service_healthy", "condition: service_completed_successfully",
		"pg_isready", `"laminar", "healthcheck", "http://127.0.0.1:8080/readyz"`,
		"${POSTGRES_PASSWORD:?", "LAMINAR_BACKUP_DIR",
	} {
		if !strings.Contains(c, want) {
			t.Errorf("compose.yaml lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?i)password:\s+[^$\s]`).MatchString(c) || regexp.MustCompile(`postgres://[^:]+:[^$]`).MatchString(c) {
		t.Error("compose.yaml holds a literal password; take it from the env file")
	}
	if !regexp.MustCompile(`image: postgres:\d+`).MatchString(c) {
		t.Error("pin PostgreSQL's image to a major version")
	}
}

// systemd: an unprivileged user, migrate before serve, ready only when
// /readyz says so, restart on failure, SIGTERM to stop.
func TestSystemdUnit(t *testing.T) {
	u := read(t, "laminar.service")
	for _, want := range []string{
		"User=laminar", "ExecStartPre=/usr/local/bin/laminar migrate", "ExecStart=/usr/local/bin/laminar serve",
		"ExecStartPost=/usr/local/bin/laminar healthcheck --wait", "/readyz", "Restart=on-failure",
		"KillSignal=SIGTERM", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/laminar",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("laminar.service lacks %q", want)
		}
	}
}

// Every metric an alert uses is one the server exports, and the alerts
// cover the database, the log's check, the outbox and scans.
func TestAlertsUseExportedMetrics(t *testing.T) {
	rules := read(t, "prometheus/alerts.yml")
	exported := map[string]bool{}
	def := regexp.MustCompile(`(?:Name:\s*|NewDesc\()"(laminar_[a-z0-9_]+)"`)
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			for _, m := range def.FindAllStringSubmatch(read(t, p), -1) {
				exported[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`\blaminar_[a-z0-9_]+`).FindAllString(rules, -1)
	if len(used) == 0 {
		t.Fatal("no Laminar metric in the alerts")
	}
	for _, m := range used {
		if !exported[m] {
			t.Errorf("alerts.yml uses %s, which no code exports", m)
		}
	}
	for _, alert := range []string{"LaminarDatabaseDown", "LaminarLogVerifyFailed", "LaminarOutboxBacklog", "LaminarScanErrorRate"} {
		if !strings.Contains(rules, "alert: "+alert+"\n") {
			t.Errorf("no %s alert", alert)
		}
	}
}
