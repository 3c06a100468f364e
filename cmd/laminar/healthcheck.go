package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// cmdHealthcheck asks a running server whether it is ready: for container
// health checks and service managers, which may have no HTTP client.
func cmdHealthcheck(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "healthcheck", "healthcheck [--wait DURATION] [URL]\n\nExits 0 when URL answers 200, else 1 with the status and error code. URL defaults\nto /readyz on LAMINAR_ADDR's port on 127.0.0.1 (database reachable, schema current);\nuse .../healthz for liveness only.")
	wait := fs.Duration("wait", 0, "keep asking, every half second, until ready or this long has passed")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	url := fs.Arg(0)
	if url == "" {
		port := "8080"
		if addr := strings.TrimSpace(e.getenv("LAMINAR_ADDR")); addr != "" {
			if _, p, err := net.SplitHostPort(addr); err == nil && p != "" && p != "0" {
				port = p
			}
		}
		url = "http://127.0.0.1:" + port + "/readyz"
	}
	deadline := time.Now().Add(*wait)
	for {
		err := probe(ctx, url)
		if err == nil {
			fmt.Fprintln(e.stdout, "ready:", url)
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// probe GETs url and returns nil on 200.
func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&env)
	return fmt.Errorf("%s: %d %s %s", url, resp.StatusCode, env.Error.Code, env.Error.Message)
}
