package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runCmd(t *testing.T, envs map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return envs[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runCmd(t, nil, "", c.name, "--help")
			if err != nil {
				t.Fatalf("--help: %v", err)
			}
			if !strings.Contains(stderr, "Usage: laminar "+c.name) {
				t.Fatalf("help text: %q", stderr)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, _, err := runCmd(t, nil, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("err = %v", err)
	}
}

func TestServeConfigErrorNamesVariable(t *testing.T) {
	_, _, err := runCmd(t, map[string]string{"LAMINAR_ADDR": "not-an-address"}, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "LAMINAR_ADDR") {
		t.Fatalf("err = %v", err)
	}
}

func TestSeedNeedsDemoFlag(t *testing.T) {
	if _, _, err := runCmd(t, nil, "", "seed"); err == nil || !strings.Contains(err.Error(), "--demo") {
		t.Fatalf("err = %v", err)
	}
}
