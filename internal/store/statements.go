package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
)

// prepared is a query with its statement, prepared on the server when the
// store opens: database/sql prepares it once per pooled connection and
// PostgreSQL then skips parsing and, after a few runs, planning.
type prepared struct {
	name string
	sql  string
	stmt *sqlx.Stmt
}

// statements are the queries of a scan, the request a tablet sends most,
// and the formulary lookups of its resolution, prepared when the store
// opens. A field per statement: a name cannot be mistyped at a call site.
type statements struct {
	prepLock, acceptedScans, containerLock, containerInsert, scanInsert, idemClaim, idemSave prepared
	productByGTIN, productByNDC10, getProduct, productCodes, productReconstitutions, getLot  prepared
	openHold, sessionByToken, auditEnqueue, budAt, scanFacts, productForScan                 prepared
}

func (st *statements) all() []*prepared {
	return []*prepared{&st.prepLock, &st.acceptedScans, &st.containerLock, &st.containerInsert, &st.scanInsert,
		&st.idemClaim, &st.idemSave, &st.productByGTIN, &st.productByNDC10, &st.getProduct, &st.productCodes,
		&st.productReconstitutions, &st.getLot, &st.openHold, &st.sessionByToken, &st.auditEnqueue, &st.budAt, &st.scanFacts, &st.productForScan}
}

// prepareStatements prepares the statements on the server; an error names
// the query that does not prepare.
func (s *Store) prepareStatements(ctx context.Context) error {
	q := &s.q
	enqueue, err := audit.EnqueueSQL()
	if err != nil {
		return err
	}
	s.st = statements{
		prepLock:               prepared{name: "wf-prep-lock", sql: q.WfPrepLock},
		acceptedScans:          prepared{name: "wf-accepted-scans", sql: q.WfAcceptedScans},
		containerLock:          prepared{name: "wf-container-lock", sql: q.WfContainerLock},
		containerInsert:        prepared{name: "wf-container-insert", sql: q.WfContainerInsert},
		scanInsert:             prepared{name: "wf-scan-insert", sql: q.WfScanInsert},
		idemClaim:              prepared{name: "wf-idem-claim", sql: q.WfIdemClaim},
		idemSave:               prepared{name: "wf-idem-save", sql: q.WfIdemSave},
		productByGTIN:          prepared{name: "product-by-gtin", sql: q.ProductByGTIN},
		productByNDC10:         prepared{name: "product-by-ndc10", sql: q.ProductByNDC10},
		getProduct:             prepared{name: "get-product", sql: q.GetProduct},
		productCodes:           prepared{name: "product-codes", sql: q.ProductCodes},
		productReconstitutions: prepared{name: "product-reconstitutions", sql: q.ProductReconstitutions},
		getLot:                 prepared{name: "get-lot", sql: q.GetLot},
		openHold:               prepared{name: "iface-hold-open", sql: q.IfaceHoldOpen},
		sessionByToken:         prepared{name: "get-session-by-token", sql: q.GetSessionByToken},
		auditEnqueue:           prepared{name: "audit-enqueue", sql: enqueue},
		budAt:                  prepared{name: "bud-rules-at", sql: q.BUDRulesAt},
		scanFacts:              prepared{name: "wf-scan-facts", sql: q.WfScanFacts},
		productForScan:         prepared{name: "product-for-scan", sql: q.ProductForScan},
	}
	for _, p := range s.st.all() {
		stmt, err := s.DB.PreparexContext(ctx, p.sql)
		if err != nil {
			s.closeStatements()
			return fmt.Errorf("query %s does not prepare: %w", p.name, err)
		}
		p.stmt = stmt
	}
	return nil
}

func (s *Store) closeStatements() {
	for _, p := range s.st.all() {
		if p.stmt != nil {
			_ = p.stmt.Close()
			p.stmt = nil
		}
	}
}

// in returns p's statement bound to tx, or on the pool when tx is nil.
func (p *prepared) in(ctx context.Context, tx *sqlx.Tx) *sqlx.Stmt {
	if tx != nil {
		return tx.StmtxContext(ctx, p.stmt)
	}
	return p.stmt
}

// getHot runs p returning one row into dest, in tx or on the pool.
func (s *Store) getHot(ctx context.Context, tx *sqlx.Tx, dest any, p *prepared, args ...any) error {
	return p.in(ctx, tx).GetContext(ctx, dest, args...)
}

// selectHot runs p returning rows into dest, on q: the store's pool, a
// transaction, or anything else (then as plain text).
func (s *Store) selectHot(ctx context.Context, q sqlx.QueryerContext, dest any, p *prepared, args ...any) error {
	switch v := q.(type) {
	case *sqlx.DB:
		if v == s.DB {
			return p.stmt.SelectContext(ctx, dest, args...)
		}
	case *sqlx.Tx:
		return p.in(ctx, v).SelectContext(ctx, dest, args...)
	}
	return sqlx.SelectContext(ctx, q, dest, p.sql, args...)
}

// execHot runs the statement p in tx.
func (s *Store) execHot(ctx context.Context, tx *sqlx.Tx, p *prepared, args ...any) error {
	_, err := p.in(ctx, tx).ExecContext(ctx, args...)
	return err
}
