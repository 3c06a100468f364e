package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/store"
)

const barcodeUsage = `barcode parse [--tz ZONE] [--resolve] DATA

Parses barcode data as a scanner sends it (GS as 0x1D, with or without a
symbology prefix such as ]d2), the bracketed form (01)...(17)...(10)..., or
UPC-A/GTIN digits, and prints the AIs, GTIN, expiry, lot, serial and NDC as
JSON. DATA "-" reads the data from standard input. On bad data it prints the
error envelope with the parser's code and exits 1. --resolve also looks the
GTIN up in the formulary (needs the database).`

// parseInterleaved parses flags placed before or after the positional
// arguments ("parse DATA --tz X" as well as "parse --tz X DATA").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// oneArgument is parseInterleaved for a command of one positional
// argument: -h is success (help printed), and any other count prints the
// usage and fails with what ("formulary import takes one DIR argument")
// and the count given.
func oneArgument(fs *flag.FlagSet, args []string, what string) (arg string, help bool, err error) {
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return "", true, nil
	}
	if err != nil {
		return "", false, err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", false, fmt.Errorf("%s, got %d", what, len(pos))
	}
	return pos[0], false, nil
}

func cmdBarcode(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "barcode", barcodeUsage)
	tz := fs.String("tz", "UTC", "site time zone: a date-only expiry ends at midnight there (e.g. America/Chicago)")
	resolve := fs.Bool("resolve", false, "look the product up in the formulary database")
	if len(args) > 0 && args[0] == "parse" {
		args = args[1:]
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("unknown barcode subcommand %q; expected: laminar %s", args[0], strings.SplitN(barcodeUsage, "\n", 2)[0])
	}
	data, help, err := oneArgument(fs, args, "barcode parse takes one DATA argument")
	if help || err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return failJSON(e.stdout, "invalid", fmt.Sprintf("%q is not a time zone name such as America/Chicago", *tz), "tz")
	}
	if data == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, 1<<20))
		if err != nil {
			return err
		}
		data = strings.TrimRight(string(b), "\r\n")
	}
	scan, err := barcode.Parse(data, barcode.Options{Today: time.Now().In(loc)})
	if err != nil {
		return fail(e.stdout, apperr.From(err).InField("data"))
	}
	v := formulary.ScanViewOf(scan, loc)
	if *resolve && scan.GTIN != "" {
		err := withDB(ctx, e, func(_ config.Config, _ *slog.Logger, db *sql.DB, open func() (*store.Store, error)) error {
			if err := store.CheckSchema(ctx, db); err != nil {
				return err
			}
			st, err := open()
			if err != nil {
				return err
			}
			p, err := formulary.FindProduct(ctx, st, scan)
			switch {
			case err == nil:
				pv := formulary.ViewOf(p)
				v.Product = &pv
			case apperr.KindOf(err) != apperr.Refused:
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return writeJSON(e.stdout, v)
}
