package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/ndcdir"
	"github.com/laminar-rx/laminar/internal/store"
)

const formularyUsage = `formulary import [--all] [--dry-run] DIR

Imports the FDA NDC Directory's text files DIR/product.txt and DIR/package.txt
(tab-delimited, as published) into the formulary, in one transaction. Only
injectable products are imported unless --all is given. Imported products are
kept apart from curated ones (source fda_ndc): a package NDC the pharmacy has
curated is left as it is. A malformed file is reported by file, line and field,
and nothing is imported. --dry-run checks the files and prints the report
without touching the database.`

// importSummary is what the import prints.
type importSummary struct {
	Report ndcdir.Report      `json:"report"`
	Stats  *store.ImportStats `json:"stats,omitempty"`
	DryRun bool               `json:"dry_run,omitempty"`
}

func cmdFormulary(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "formulary", formularyUsage)
	all := fs.Bool("all", false, "import every product, not only injectables")
	dry := fs.Bool("dry-run", false, "check the files and print the report; import nothing")
	if len(args) == 0 || args[0] != "import" {
		if help, err := parseFlags(fs, args); help || err != nil {
			return err
		}
		fs.Usage()
		return fmt.Errorf("expected: laminar %s", strings.SplitN(formularyUsage, "\n", 2)[0])
	}
	dir, help, err := oneArgument(fs, args[1:], "formulary import takes one DIR argument")
	if help || err != nil {
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return failJSON(e.stdout, "invalid", fmt.Sprintf("%s is not a directory holding product.txt and package.txt", dir), "dir")
	}
	res, err := ndcdir.Load(os.DirFS(dir), ndcdir.Options{All: *all, Today: time.Now()})
	if err != nil {
		var fe *ndcdir.Error
		if errors.As(err, &fe) {
			return failJSON(e.stdout, "malformed_file", fe.Error(), fe.Field)
		}
		return failJSON(e.stdout, "unreadable_file", err.Error(), "dir")
	}
	out := importSummary{Report: res.Report, DryRun: *dry}
	if *dry {
		return writeJSON(e.stdout, out)
	}
	err = withDB(ctx, e, func(_ config.Config, log *slog.Logger, db *sql.DB, open func() (*store.Store, error)) error {
		if err := store.CheckSchema(ctx, db); err != nil {
			return err
		}
		st, err := open()
		if err != nil {
			return err
		}
		start := time.Now()
		counts := res.Report
		counts.Issues = nil // the log keeps the counts; the issues are printed
		stats, err := st.ImportProducts(ctx, res.Products, nil, map[string]any{"dir": dir, "all": *all, "report": counts})
		if err != nil {
			return err
		}
		log.Info("NDC Directory imported", "products", len(res.Products), "took", time.Since(start))
		out.Stats = &stats
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, out)
}
