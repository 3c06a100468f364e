package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/ndcdir"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// seededFormulary returns a store holding the demo formulary.
func seededFormulary(t *testing.T) (*store.Store, *seed.DemoFormulary) {
	t.Helper()
	st := testdb.New(t)
	df, err := seed.LoadDemoFormulary()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedFormulary(context.Background(), df.Products, df.Stability); err != nil {
		t.Fatal(err)
	}
	return st, df
}

func fmUser(t *testing.T, st *store.Store, name string, roles ...string) int64 {
	t.Helper()
	var id int64
	if err := st.DB.Get(&id, `INSERT INTO users (username, roles) VALUES ($1, $2) RETURNING id`, name, pq.Array(roles)); err != nil {
		t.Fatal(err)
	}
	return id
}

func count(t *testing.T, st *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

type auditRow struct {
	Type    string `db:"type"`
	ActorID *int64 `db:"actor_id"`
	Payload string `db:"payload_text"`
}

func auditEvents(t *testing.T, st *store.Store, typ string) []auditRow {
	t.Helper()
	var rows []auditRow
	if err := st.DB.Select(&rows, `SELECT type, actor_id, payload_text FROM audit_events WHERE type = $1 ORDER BY id`, typ); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSeedFormularyStoresEveryRow(t *testing.T) {
	ctx := context.Background()
	st, df := seededFormulary(t)
	units, recons := 0, 0
	for _, p := range df.Products {
		units += len(p.Units)
		recons += len(p.Reconstitutions)
	}
	if n := count(t, st, `SELECT count(*) FROM products WHERE source = 'curated'`); n != 62 || n != len(df.Products) {
		t.Fatalf("%d products stored, want 62", n)
	}
	if n := count(t, st, `SELECT count(*) FROM product_codes`); n != 62+units || units != 30 {
		t.Fatalf("%d codes stored, want 62 package + %d unit", n, units)
	}
	if n := count(t, st, `SELECT count(*) FROM product_reconstitutions`); n != recons {
		t.Fatalf("%d reconstitutions, want %d", n, recons)
	}
	if n := count(t, st, `SELECT count(*) FROM stability`); n != len(df.Stability) {
		t.Fatalf("%d stability entries, want %d", n, len(df.Stability))
	}
	// Package and unit codes resolve to the same product, with every value
	// surviving the round trip.
	for _, want := range df.Products {
		var id int64
		for i, c := range want.Codes() {
			byGTIN, err := st.ProductByGTIN(ctx, c.GTIN14)
			if err != nil {
				t.Fatalf("%s (%s): %v", c.NDC, c.GTIN14, err)
			}
			byNDC, err := st.ProductByNDC10(ctx, c.NDC10)
			if err != nil || byNDC.ID != byGTIN.ID {
				t.Fatalf("%s by NDC10: %v, %v", c.NDC, byNDC, err)
			}
			// A scan reads the product in one query, codes and
			// reconstitutions as JSON: it must come out the same.
			forScan, lot, err := st.ProductForScan(ctx, c.GTIN14, "")
			fb, _ := json.Marshal(forScan)
			bb, _ := json.Marshal(byGTIN)
			if err != nil || lot != nil || string(fb) != string(bb) {
				t.Fatalf("%s for a scan: lot %v, %v\n got %s\nwant %s", c.NDC, lot, err, fb, bb)
			}
			if i == 0 {
				id = byGTIN.ID
				got := formulary.ViewOf(byGTIN)
				exp := formulary.ViewOf(want)
				got.ID, exp.ID = 0, 0
				gb, _ := json.Marshal(got)
				eb, _ := json.Marshal(exp)
				if string(gb) != string(eb) {
					t.Fatalf("round trip of %s:\n got %s\nwant %s", want.Package.NDC, gb, eb)
				}
			} else if byGTIN.ID != id {
				t.Fatalf("unit NDC %s resolves to product %d, its package to %d", c.NDC, byGTIN.ID, id)
			}
		}
	}
	// The database derives displacement the same way Go does.
	var disp string
	if err := st.DB.Get(&disp, `SELECT r.displacement_ml::text FROM product_reconstitutions r JOIN products p ON p.id = r.product_id WHERE p.package_ndc = '60505-6243-4'`); err != nil || disp != "0.5" {
		t.Fatalf("cefazolin 1 g displacement %q, %v", disp, err)
	}
}

func ndcsOf(ps []*formulary.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Package.NDC
	}
	sort.Strings(out)
	return out
}

func TestSearchProducts(t *testing.T) {
	ctx := context.Background()
	st, df := seededFormulary(t)
	var cefUnit, gentPkg formulary.Code
	for _, p := range df.Products {
		switch p.Package.NDC {
		case "60505-6243-4":
			cefUnit = p.Units[0]
		case "55150-402-25":
			gentPkg = p.Package
		}
	}
	tests := []struct {
		q    string
		want []string // package NDCs, sorted; nil = just check count
		n    int
	}{
		{"gentamicin", []string{"0409-1207-03", "55150-402-25"}, 0},
		{"GENTA", []string{"0409-1207-03", "55150-402-25"}, 0},
		{"fentaNYL", []string{"0409-9094-22", "0409-9094-25"}, 0},
		{"hydroMORphone", []string{"63323-851-10"}, 0},
		{"paclitaxel", []string{"63323-763-50", "67457-937-50"}, 0},
		{"100%", nil, 0},
		{"chloride", nil, 8},
		// 4-4-2 package and its unit, in every shape
		{"0409-1207-03", []string{"0409-1207-03"}, 0},
		{"00409-1207-03", []string{"0409-1207-03"}, 0},
		{"00409120703", []string{"0409-1207-03"}, 0},
		{"0409120703", []string{"0409-1207-03"}, 0},
		{"0409-1207-13", []string{"0409-1207-03"}, 0},
		{"00409120713", []string{"0409-1207-03"}, 0},
		// 5-3-2
		{"55150-402-25", []string{"55150-402-25"}, 0},
		{"55150-0402-25", []string{"55150-402-25"}, 0},
		{"55150040225", []string{"55150-402-25"}, 0},
		{gentPkg.GTIN14, []string{"55150-402-25"}, 0},
		// 5-4-1 and the GTIN-12/13/14 of its unit
		{"60505-6243-4", []string{"60505-6243-4"}, 0},
		{"60505-6243-04", []string{"60505-6243-4"}, 0},
		{"6050562434", []string{"60505-6243-4"}, 0},
		{cefUnit.GTIN14, []string{"60505-6243-4"}, 0},
		{cefUnit.GTIN14[1:], []string{"60505-6243-4"}, 0},
		{cefUnit.GTIN14[2:], []string{"60505-6243-4"}, 0},
		// a product code typed so far
		{"0409-1207", []string{"0409-1207-03"}, 0},
		{"55150-4", []string{"55150-402-25"}, 0},
		{"0002-7597-01", []string{}, 0},
		{"", nil, 50},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			q, err := formulary.ParseQuery(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := st.SearchProducts(ctx, q, store.ProductFilter{})
			if err != nil {
				t.Fatal(err)
			}
			got := ndcsOf(ps)
			if tc.want != nil && fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.want == nil && tc.n != 0 && len(got) != tc.n {
				t.Fatalf("got %d products %v, want %d", len(got), got, tc.n)
			}
			if tc.q == "100%" && len(got) != 0 {
				t.Fatalf("a LIKE wildcard matched: %v", got)
			}
		})
	}
	t.Run("prefix matches rank first", func(t *testing.T) {
		ps, err := st.SearchProducts(ctx, formulary.Query{Kind: formulary.QueryName, Text: "sodium"}, store.ProductFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) < 2 || !strings.HasPrefix(ps[0].Drug.Name, "sodium") || strings.HasPrefix(ps[len(ps)-1].Drug.Name, "sodium") {
			t.Fatalf("order %v", ndcsOf(ps))
		}
	})
	t.Run("withdrawn products only when asked", func(t *testing.T) {
		if _, err := st.DB.Exec(`UPDATE products SET active = false WHERE package_ndc = '55150-402-25'`); err != nil {
			t.Fatal(err)
		}
		q, _ := formulary.ParseQuery("gentamicin")
		ps, _ := st.SearchProducts(ctx, q, store.ProductFilter{})
		all, _ := st.SearchProducts(ctx, q, store.ProductFilter{IncludeInactive: true})
		if len(ps) != 1 || len(all) != 2 {
			t.Fatalf("active %v, all %v", ndcsOf(ps), ndcsOf(all))
		}
		everything, _ := st.SearchProducts(ctx, formulary.Query{Kind: formulary.QueryAll}, store.ProductFilter{Limit: 500, IncludeInactive: true})
		if len(everything) != 62 {
			t.Fatalf("%d products listed", len(everything))
		}
	})
}

// dm builds the DataMatrix data a scanner types for a vial.
func dm(gtin, yymmdd, lot string) string {
	return "]d2" + "01" + gtin + "17" + yymmdd + "10" + lot + "\x1d21" + "SN0001"
}

func TestResolveScanAgainstTheDemoFormulary(t *testing.T) {
	ctx := context.Background()
	st, df := seededFormulary(t)
	admin := fmUser(t, st, "admin1", "admin")
	var gent *formulary.Product
	for _, p := range df.Products {
		if p.Package.NDC == "0409-1207-03" {
			gent = p
		}
	}
	vial := gent.Units[0] // 0409-1207-13, printed on the single-dose vial
	now := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	opt := formulary.ResolveOptions{Now: now, Location: time.UTC}

	res, err := formulary.ResolveScan(ctx, st, dm(vial.GTIN14, "270531", "A1B2C3"), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Product.Package.NDC != "0409-1207-03" || res.Product.Drug.Name != "gentamicin" || res.Lot != "A1B2C3" || res.Serial != "SN0001" ||
		res.NDC10 != "0409120713" || res.Expiry == nil || res.Expiry.Format(time.RFC3339) != "2027-05-31T23:59:59Z" || res.Product.Container != formulary.SingleDose {
		t.Fatalf("resolution %+v, product %+v", res, res.Product)
	}

	if _, err := st.SetLotStatus(ctx, formulary.LotChange{ProductID: res.Product.ID, Lot: "RC9", Status: formulary.LotRecalled, Reason: "FDA recall Z-0042-2026"}, &admin); err != nil {
		t.Fatal(err)
	}
	// A scan reads the lot's record with the product.
	for _, tc := range []struct {
		lot    string
		status formulary.LotStatus
	}{{"RC9", formulary.LotRecalled}, {"A1B2C3", ""}, {"", ""}} {
		p, lot, err := st.ProductForScan(ctx, vial.GTIN14, tc.lot)
		switch {
		case err != nil || p.ID != res.Product.ID:
			t.Fatalf("lot %q: product %v, %v", tc.lot, p, err)
		case tc.status == "" && lot != nil:
			t.Fatalf("lot %q was never recorded, read %+v", tc.lot, lot)
		case tc.status != "" && (lot == nil || lot.Status != tc.status || lot.Lot != tc.lot || lot.Reason != "FDA recall Z-0042-2026" || lot.ChangedAt.IsZero() || lot.ChangedBy == nil || *lot.ChangedBy != admin):
			t.Fatalf("lot %q read as %+v", tc.lot, lot)
		}
	}
	if _, _, err := st.ProductForScan(ctx, "00000000000000", "A1"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("unknown GTIN for a scan: %v", err)
	}
	unknown, _ := formulary.NewCode(formulary.CodeUnit, "ndc", "0002-7597-01")
	bad := vial.GTIN14[:13] + string('0'+(vial.GTIN14[13]-'0'+1)%10)
	refusals := []struct {
		name, data, code string
	}{
		{"unknown GTIN", dm(unknown.GTIN14, "270531", "A1"), formulary.CodeUnknownProduct},
		{"bad check digit", dm(bad, "270531", "A1"), formulary.CodeBadBarcode},
		{"recalled lot", dm(vial.GTIN14, "270531", "RC9"), formulary.CodeRecalled},
		{"expired", dm(vial.GTIN14, "261123", "A1"), formulary.CodeExpired},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := formulary.ResolveScan(ctx, st, tc.data, opt)
			var ae *apperr.Error
			if !asApp(err, &ae) || ae.Kind != apperr.Refused || ae.Code != tc.code {
				t.Fatalf("err = %v, want refusal %s", err, tc.code)
			}
			if tc.code == formulary.CodeBadBarcode && formulary.ParserCode(err) != "bad_check_digit" {
				t.Fatalf("parser code %q", formulary.ParserCode(err))
			}
		})
	}
	t.Run("a released lot is usable again", func(t *testing.T) {
		if _, err := st.SetLotStatus(ctx, formulary.LotChange{ProductID: res.Product.ID, Lot: "RC9", Status: formulary.LotOK, Reason: "recall withdrawn"}, &admin); err != nil {
			t.Fatal(err)
		}
		if _, err := formulary.ResolveScan(ctx, st, dm(vial.GTIN14, "270531", "RC9"), opt); err != nil {
			t.Fatal(err)
		}
		ev := auditEvents(t, st, store.AuditLotStatusChanged)
		if len(ev) != 2 || ev[0].ActorID == nil || *ev[0].ActorID != admin || !strings.Contains(ev[0].Payload, "Z-0042-2026") ||
			!strings.Contains(ev[1].Payload, `"from":"recalled"`) {
			t.Fatalf("audit %+v", ev)
		}
		lots, err := st.Lots(ctx, res.Product.ID)
		if err != nil || len(lots) != 1 || lots[0].Status != formulary.LotOK || *lots[0].ChangedBy != admin {
			t.Fatalf("lots %+v %v", lots, err)
		}
	})
}

func asApp(err error, target **apperr.Error) bool {
	ae, ok := err.(*apperr.Error)
	if ok {
		*target = ae
	}
	return ok
}

func TestLotStatusErrors(t *testing.T) {
	ctx := context.Background()
	st, _ := seededFormulary(t)
	if _, err := st.SetLotStatus(ctx, formulary.LotChange{ProductID: 999999, Lot: "A1", Status: formulary.LotRecalled, Reason: "x"}, nil); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("unknown product: %v", err)
	}
	if _, err := st.SetLotStatus(ctx, formulary.LotChange{ProductID: 1, Lot: "A1", Status: formulary.LotQuarantined}, nil); apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("no reason: %v", err)
	}
	if n := count(t, st, `SELECT count(*) FROM lots`); n != 0 {
		t.Fatalf("%d lots written by refused changes", n)
	}
}

func kclInput() formulary.ProductInput {
	return formulary.ProductInput{Drug: "potassium chloride", PackageNDC: "0409-6653-01", UnitNDCs: []string{"0409-6653-11"},
		Labeler: "Hospira, Inc.", DosageForm: "injection, solution, concentrate", Strength: "2 mEq/mL", Volume: "20 mL",
		Container: "single_dose", SpecificGravity: "1.05"}
}

func TestCreateAndUpdateProduct(t *testing.T) {
	ctx := context.Background()
	st, _ := seededFormulary(t)
	admin := fmUser(t, st, "admin1", "admin")
	p, err := kclInput().Product()
	if err != nil {
		t.Fatal(err)
	}
	created, err := st.CreateProduct(ctx, p, &admin)
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || created.Strength.String() != "2 mEq/mL" || created.Volume.String() != "20 mL" || created.SpecificGravity.String() != "1.05" {
		t.Fatalf("created %+v", created)
	}
	// The drug existed (seeded): the product joins it.
	if n := count(t, st, `SELECT count(*) FROM drugs WHERE lower(name) = 'potassium chloride'`); n != 1 {
		t.Fatalf("%d potassium chloride drugs", n)
	}
	byUnit, err := st.ProductByNDC10(ctx, "0409665311")
	if err != nil || byUnit.ID != created.ID {
		t.Fatalf("unit NDC: %v %v", byUnit, err)
	}
	ev := auditEvents(t, st, store.AuditProductCreated)
	if len(ev) != 1 || ev[0].ActorID == nil || *ev[0].ActorID != admin || !strings.Contains(ev[0].Payload, "0409-6653-01") {
		t.Fatalf("audit %+v", ev)
	}

	t.Run("an NDC another product holds is refused, naming the field", func(t *testing.T) {
		in := kclInput()
		in.PackageNDC, in.UnitNDCs = "0409-6653-02", []string{"0409-1207-13"}
		q, err := in.Product()
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.CreateProduct(ctx, q, &admin)
		var ae *apperr.Error
		if !asApp(err, &ae) || ae.Kind != apperr.Conflict || ae.Code != "ndc_taken" || ae.Field != "unit_ndcs[0]" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("update replaces fields and codes, keeps what the form lacks", func(t *testing.T) {
		in := kclInput()
		in.UnitNDCs, in.Volume, in.Active = nil, "10 mL", new(bool)
		q, _ := in.Product()
		q.PackDescription = ""
		updated, err := st.UpdateProduct(ctx, created.ID, q, &admin)
		if err != nil {
			t.Fatal(err)
		}
		if updated.Volume.String() != "10 mL" || len(updated.Units) != 0 || updated.Active {
			t.Fatalf("updated %+v", updated)
		}
		if _, err := st.ProductByNDC10(ctx, "0409665311"); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("the dropped unit NDC still resolves: %v", err)
		}
		ev := auditEvents(t, st, store.AuditProductUpdated)
		if len(ev) != 1 || !strings.Contains(ev[0].Payload, `"before"`) || !strings.Contains(ev[0].Payload, `"volume":"20 mL"`) {
			t.Fatalf("audit %+v", ev)
		}
	})
	t.Run("update of a missing product", func(t *testing.T) {
		q, _ := kclInput().Product()
		if _, err := st.UpdateProduct(ctx, 999999, q, &admin); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("invalid products are refused before the database", func(t *testing.T) {
		q, _ := kclInput().Product()
		q.Labeler = ""
		if _, err := st.CreateProduct(ctx, q, &admin); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a failed audit append rolls the change back", func(t *testing.T) {
		in := kclInput()
		in.PackageNDC, in.UnitNDCs = "0409-6653-03", nil
		q, _ := in.Product()
		ghost := int64(987654) // no such user: the audit row's foreign key fails
		if _, err := st.CreateProduct(ctx, q, &ghost); err == nil {
			t.Fatal("created with an unknown actor")
		}
		if _, err := st.ProductByNDC10(ctx, "0409665303"); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("the product was written without its audit event: %v", err)
		}
	})
}

func loadFixtures(t *testing.T) *ndcdir.Result {
	t.Helper()
	res, err := ndcdir.Load(os.DirFS("../ndcdir/testdata/good"), ndcdir.Options{Today: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestImportNDCDirectory(t *testing.T) {
	ctx := context.Background()
	t.Run("empty formulary", func(t *testing.T) {
		st := testdb.New(t)
		res := loadFixtures(t)
		stats, err := st.ImportProducts(ctx, res.Products, nil, map[string]int{"products": len(res.Products)})
		if err != nil {
			t.Fatal(err)
		}
		if stats.Inserted != 6 || stats.Updated != 0 || stats.SkippedCurated != 0 || stats.NewDrugs != 5 {
			t.Fatalf("stats %+v", stats)
		}
		if n := count(t, st, `SELECT count(*) FROM products WHERE source = 'fda_ndc'`); n != 6 {
			t.Fatalf("%d imported", n)
		}
		if n := count(t, st, `SELECT count(*) FROM drugs WHERE source = 'fda_ndc'`); n != 5 {
			t.Fatalf("%d imported drugs", n)
		}
		p, err := st.ProductByNDC10(ctx, "0409120713")
		if err != nil || p.Package.NDC != "0409-1207-03" || p.Source != formulary.SourceFDA || p.Strength.String() != "40 mg/mL" {
			t.Fatalf("unit NDC of the imported gentamicin: %+v %v", p, err)
		}
		again, err := st.ImportProducts(ctx, loadFixtures(t).Products, nil, nil)
		if err != nil || again.Inserted != 0 || again.Updated != 6 || again.NewDrugs != 0 {
			t.Fatalf("re-import %+v %v", again, err)
		}
		if ev := auditEvents(t, st, store.AuditFormularyImported); len(ev) != 2 || !strings.Contains(ev[0].Payload, `"inserted":6`) {
			t.Fatalf("audit %+v", ev)
		}
	})
	t.Run("curated products win", func(t *testing.T) {
		st, _ := seededFormulary(t)
		stats, err := st.ImportProducts(ctx, loadFixtures(t).Products, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Five fixture packages are curated demo products; only the ended
		// 10 mL KCl package is new.
		if stats.Inserted != 1 || stats.SkippedCurated != 5 {
			t.Fatalf("stats %+v", stats)
		}
		p, err := st.ProductByNDC10(ctx, "0409120713")
		if err != nil || p.Source != formulary.SourceCurated || p.Drug.Name != "gentamicin" {
			t.Fatalf("curated gentamicin: %+v %v", p, err)
		}
		kcl, err := st.ProductByNDC10(ctx, "0409663519")
		if err != nil || kcl.Source != formulary.SourceFDA || kcl.Active || kcl.Drug.Name != "potassium chloride" {
			t.Fatalf("imported KCl joins the curated drug, inactive: %+v %v", kcl, err)
		}
		// An admin's edit makes an imported product curated; the next
		// import leaves it alone.
		admin := fmUser(t, st, "admin1", "admin")
		in := kclInput()
		in.PackageNDC, in.UnitNDCs, in.Volume = "0409-6635-02", []string{"0409-6635-19"}, "10 mL"
		q, _ := in.Product()
		if _, err := st.UpdateProduct(ctx, kcl.ID, q, &admin); err != nil {
			t.Fatal(err)
		}
		stats, err = st.ImportProducts(ctx, loadFixtures(t).Products, nil, nil)
		if err != nil || stats.SkippedCurated != 6 || stats.Inserted+stats.Updated != 0 {
			t.Fatalf("after curation %+v %v", stats, err)
		}
	})
	t.Run("all or nothing", func(t *testing.T) {
		st := testdb.New(t)
		ps := loadFixtures(t).Products
		ps[len(ps)-1].Labeler = ""
		if _, err := st.ImportProducts(ctx, ps, nil, nil); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("err = %v", err)
		}
		dup := loadFixtures(t).Products
		dup = append(dup, dup[0])
		if _, err := st.ImportProducts(ctx, dup, nil, nil); err == nil || !strings.Contains(err.Error(), "twice") {
			t.Fatalf("duplicate: %v", err)
		}
		curated := loadFixtures(t).Products
		curated[0].Source = formulary.SourceCurated
		if _, err := st.ImportProducts(ctx, curated, nil, nil); err == nil {
			t.Fatal("a curated product went through the import")
		}
		if n := count(t, st, `SELECT count(*) FROM products`); n != 0 {
			t.Fatalf("%d products left by failed imports", n)
		}
	})
}

func TestStability(t *testing.T) {
	ctx := context.Background()
	st, _ := seededFormulary(t)
	p, err := st.ProductByNDC10(ctx, "6050562434")
	if err != nil {
		t.Fatal(err)
	}
	es, err := st.Stability(ctx, p.Drug.ID)
	if err != nil {
		t.Fatal(err)
	}
	var room, fridge int
	for _, e := range es {
		if e.Drug.Name != "cefazolin" || e.SourceURL == "" {
			t.Fatalf("entry %+v", e)
		}
		if e.Phase == formulary.PhaseReconstituted && e.Storage == formulary.StorageRoom && e.LimitHours.String() == "24" {
			room++
		}
		if e.Phase == formulary.PhaseReconstituted && e.Storage == formulary.StorageRefrigerator && e.LimitHours.String() == "240" {
			fridge++
		}
	}
	if room != 4 || fridge != 4 {
		t.Fatalf("cefazolin: %d room and %d fridge entries of 24 h / 240 h", room, fridge)
	}
}

func BenchmarkProductByGTIN(b *testing.B) {
	st := testdb.New(b)
	df, err := seed.LoadDemoFormulary()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := st.SeedFormulary(ctx, df.Products, df.Stability); err != nil {
		b.Fatal(err)
	}
	gtin := df.Products[0].Units[0].GTIN14
	for b.Loop() {
		if _, err := st.ProductByGTIN(ctx, gtin); err != nil {
			b.Fatal(err)
		}
	}
}
