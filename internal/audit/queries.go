package audit

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/namedsql"
)

// The log's SQL lives in queries.sql as named blocks, read by the same
// loader as the store's. It is kept here rather than in the store because
// Append runs inside other packages' transactions (the store's among
// them), so this package cannot import the store.
//
//go:embed queries.sql
var queriesSQL string

// texts are the log's queries, one field per named block of queries.sql.
type texts struct {
	Enqueue string `sql:"audit-enqueue"`
	Seal    string `sql:"audit-seal"`
	Head    string `sql:"audit-head"`
	Chain   string `sql:"audit-chain"`
	List    string `sql:"audit-list"`
	// CheckpointHead is the head a signed checkpoint names.
	CheckpointHead string `sql:"audit-checkpoint-head"`
}

// sqlText reads queries.sql once. The file is compiled in, so the answer
// never changes; a broken file is an error of every call, and of
// CheckQueries, which the store calls when it opens.
var sqlText = sync.OnceValues(func() (texts, error) {
	all, err := parseQueries()
	if err != nil {
		return texts{}, err
	}
	var t texts
	if err := namedsql.Bind(all, &t); err != nil {
		return texts{}, fmt.Errorf("audit/queries.sql: %w", err)
	}
	return t, nil
})

func parseQueries() (map[string]string, error) {
	all := map[string]string{}
	if err := namedsql.Parse("audit/queries.sql", queriesSQL, all); err != nil {
		return nil, err
	}
	return all, nil
}

// CheckQueries reports whether the log's SQL is whole: every query there
// and none left over.
func CheckQueries() error {
	_, err := sqlText()
	return err
}

// QueryNames lists the named queries, for the test that prepares each one.
func QueryNames() map[string]string {
	all, _ := parseQueries()
	return all
}

// EnqueueSQL is the statement Append runs, for a caller that prepares it
// (AppendPrepared).
func EnqueueSQL() (string, error) {
	q, err := sqlText()
	return q.Enqueue, err
}

// Touch reads the chain head in tx, so that a new connection has the log's
// catalog entries loaded before its first append.
func Touch(ctx context.Context, tx *sqlx.Tx) error {
	q, err := sqlText()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q.Head)
	return err
}
