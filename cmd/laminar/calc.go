package main

import (
	"context"
	"io"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/guard"
)

func cmdCalc(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "calc", "calc < request.json\n\nReads one calculator request, e.g. {\"kind\": \"volume\", \"dose\": \"1087.5 mg\", \"concentration\": \"100 mg/mL\", \"round_to\": \"0.1 mL\"},\nand prints the response with its derivation steps. Kinds: "+joinKinds()+".\nBad input prints the error envelope and exits 1.")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	body, err := io.ReadAll(e.stdin)
	if err != nil {
		return err
	}
	if err := refuseDuplicateKeys(e, body); err != nil {
		return err
	}
	// The shipped guard table: the command reads no database.
	resp, err := calc.EvaluateWith(body, guard.DefaultRules().CalcGuards())
	if err != nil {
		return fail(e.stdout, err)
	}
	return writeJSON(e.stdout, resp)
}

func joinKinds() string {
	s := ""
	for i, k := range calc.Kinds() {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}
