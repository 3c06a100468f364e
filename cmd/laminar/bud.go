package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/store"
)

// maxBUDRequest bounds the request read from stdin, as the server's body
// limit does: a BUD request is a few kilobytes.
const maxBUDRequest = 1 << 20

func cmdBUD(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "bud", "bud [--tz ZONE] [--db] < request.json\n\n"+
		"Reads one BUD request, e.g. {\"category\": \"2\", \"method\": \"aseptic\", \"sterility_tested\": false,\n"+
		"\"starting_components\": \"sterile\", \"storage\": \"refrigerator\", \"compounded_at\": \"2026-11-24T09:00:00Z\",\n"+
		"\"stability_limit\": \"72 h\"}, and prints {\"bud\", \"limited_by\", \"reason\", ...}.\n"+
		"Without --db it applies the built-in USP <797> (2023) rule table and needs no database.\n"+
		"Bad input, or a combination the rules refuse, prints the error envelope and exits 1.")
	tz := fs.String("tz", "UTC", "time zone in which a date-only expiry (YYYY-MM-DD) ends, e.g. America/Chicago")
	useDB := fs.Bool("db", false, "apply the rule table version in force at compounded_at from the configured database\n(DATABASE_URL, or the private database) instead of the built-in table")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bud takes no arguments (the request is read from stdin), got %q", fs.Arg(0))
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil || *tz == "" {
		return failJSON(e.stdout, "invalid", fmt.Sprintf("%q is not a known IANA time zone (e.g. UTC or America/Chicago)", *tz), "--tz")
	}
	body, err := io.ReadAll(io.LimitReader(e.stdin, maxBUDRequest+1))
	if err != nil {
		return fmt.Errorf("read the request from stdin: %w", err)
	}
	if len(body) > maxBUDRequest {
		return failJSON(e.stdout, "too_large", fmt.Sprintf("the request is larger than %d bytes", maxBUDRequest), "body")
	}
	if err := refuseDuplicateKeys(e, body); err != nil {
		return err
	}
	req, err := bud.DecodeRequest(body, loc)
	if err != nil {
		return fail(e.stdout, err)
	}
	var res bud.Result
	if *useDB {
		err = withDB(ctx, e, func(_ config.Config, _ *slog.Logger, db *sql.DB, open func() (*store.Store, error)) error {
			if err := store.CheckSchema(ctx, db); err != nil {
				return err
			}
			st, err := open()
			if err != nil {
				return err
			}
			rules, err := st.BUDRulesAt(ctx, req.CompoundedAt)
			if err != nil {
				return err
			}
			res, err = bud.Compute(rules, req)
			return err
		})
	} else {
		res, err = bud.History{bud.DefaultRules()}.Compute(req)
	}
	if err != nil {
		return fail(e.stdout, err)
	}
	return writeJSON(e.stdout, res)
}
