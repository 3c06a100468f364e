package workflow

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/internal/bud"
)

func TestProductLabelSaysStrengthOnce(t *testing.T) {
	t.Parallel()
	ns := Product{ID: 1, Drug: "sodium chloride 0.9%", Strength: "0.9% (9 mg/mL)", Container: bud.ContainerBag,
		Concentration: q("9 mg/mL"), Volume: q("100 mL")}
	kcl := Product{ID: 2, Drug: "potassium chloride", Strength: "2 mEq/mL (listed as 149 mg/mL)", Container: bud.ContainerSingleDose,
		Concentration: q("2 mEq/mL"), Volume: q("10 mL")}
	hep := Product{ID: 3, Drug: "heparin", Strength: "1,000 USP units/mL", Container: bud.ContainerMultipleDose,
		Concentration: q("1000 units/mL"), Volume: q("10 mL")}
	cef := Product{ID: 4, Drug: "cefazolin", TallMan: "ceFAZolin", Strength: "1 g", Container: bud.ContainerSingleDose, Amount: q("1 g")}
	swfi := Product{ID: 5, Drug: "sterile water for injection", Strength: "100% (1 mL/mL)", Volume: q("10 mL")}
	bact := Product{ID: 6, Drug: "bacteriostatic sodium chloride 0.9%", Strength: "0.9% (9 mg/mL) with benzyl alcohol",
		Container: bud.ContainerMultipleDose, Concentration: q("9 mg/mL"), Volume: q("30 mL")}
	stored := ns
	stored.Concentration, stored.Volume = nil, nil // a worksheet stored before quantities were kept
	for _, tc := range []struct {
		name string
		p    Product
		want string
	}{
		{"bag", ns, "sodium chloride 0.9% 100 mL bag"},
		{"bag stored without quantities", stored, "sodium chloride 0.9% (9 mg/mL)"},
		{"concentration with its container", kcl, "potassium chloride 2 mEq/mL (20 mEq/10 mL)"},
		{"ISMP thousands", hep, "heparin 1,000 units/mL (10,000 units/10 mL)"},
		{"powder with tall-man name", cef, "ceFAZolin 1 g"},
		{"vehicle", swfi, "sterile water for injection 10 mL"},
		{"strength in the name", bact, "bacteriostatic sodium chloride 0.9% 30 mL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Label(); got != tc.want {
				t.Fatalf("Label() = %q, want %q", got, tc.want)
			}
			b, err := json.Marshal(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			var back Product
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", b, err)
			}
			if got := back.Label(); got != tc.want {
				t.Fatalf("after a JSON round trip Label() = %q, want %q (%s)", got, tc.want, b)
			}
			if !sameStrength(back, tc.p) {
				t.Fatalf("the round trip changed the quantities: %s", b)
			}
		})
	}
}

// A product's label never says any word-with-a-digit twice in a row, and
// the product survives the worksheet's JSON.
func TestProductLabelProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		pct := rapid.SampledFrom([]string{"0.9%", "5%", "0.45%", "10%"}).Draw(t, "pct")
		vol := rapid.SampledFrom([]string{"50 mL", "100 mL", "250 mL", "1000 mL"}).Draw(t, "vol")
		p := Product{ID: 7, Drug: "drug " + pct, Strength: pct + " (x)", Container: bud.ContainerBag, Volume: q(vol)}
		if rapid.Bool().Draw(t, "stored") {
			p.Volume = nil
		}
		l := p.Label()
		if strings.Count(l, pct) != 1 {
			t.Fatalf("%q repeats or drops %s", l, pct)
		}
		b, _ := json.Marshal(p)
		var back Product
		if err := json.Unmarshal(b, &back); err != nil || back.Label() != l {
			t.Fatalf("round trip: %q vs %q (%v)", back.Label(), l, err)
		}
	})
}

// FuzzProductJSON feeds the stored-product reader arbitrary JSON: it never
// panics, and what it accepts writes back to the same product and label.
func FuzzProductJSON(f *testing.F) {
	f.Add([]byte(`{"id":1,"drug":"sodium chloride 0.9%","strength":"0.9% (9 mg/mL)","container":"bag","hazardous":false,"concentration":"9 mg/mL","volume":"100 mL"}`))
	f.Add([]byte(`{"id":2,"drug":"cefazolin","tall_man":"ceFAZolin","strength":"1 g","container":"single_dose","hazardous":false,"amount":"1 g"}`))
	f.Add([]byte(`{"id":3,"drug":"x","volume":"abc"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Product
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal %+v: %v", p, err)
		}
		var back Product
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-read %s: %v", out, err)
		}
		if back.Label() != p.Label() || !sameStrength(back, p) {
			t.Fatalf("round trip changed %s: %q vs %q", out, back.Label(), p.Label())
		}
	})
}
