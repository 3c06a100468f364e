-- +goose Up
-- Versions of the guard table (package guard): rounding limits, syringe
-- floors, plausible input ranges, dose-range and rate limits per drug and
-- the high-alert medication list. Like the BUD rules, a version is never
-- changed or removed; a change is a new version with a later
-- effective_from, so a worksheet can always be judged again by the table
-- that was in force when it was computed.
CREATE TABLE guard_rule_versions (
    id             bigserial PRIMARY KEY,
    version        text        NOT NULL UNIQUE CHECK (version <> ''),
    effective_from timestamptz NOT NULL UNIQUE,
    rules          jsonb       NOT NULL CHECK (
        jsonb_typeof(rules) = 'object'
        AND rules->>'version' = version
        AND (rules->>'effective_from')::timestamptz = effective_from),
    created_by     bigint      NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE FUNCTION guard_rule_versions_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'guard rule versions are never changed or removed (% refused); add a new version with a later effective_from instead', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER guard_rule_versions_immutable
    BEFORE UPDATE OR DELETE ON guard_rule_versions
    FOR EACH ROW EXECUTE FUNCTION guard_rule_versions_refuse_change();
CREATE TRIGGER guard_rule_versions_no_truncate
    BEFORE TRUNCATE ON guard_rule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION guard_rule_versions_refuse_change();

-- Every database gets the shipped table, a copy of the one embedded in
-- package guard (a test keeps the two equal); a later default is a new
-- version added by a new migration, never an edit of this one.
-- +goose StatementBegin
INSERT INTO guard_rule_versions (version, effective_from, rules)
SELECT r->>'version', (r->>'effective_from')::timestamptz, r
FROM (SELECT $rules$
{
  "version": "laminar-guards-2026.1",
  "effective_from": "2023-11-01T00:00:00Z",
  "source": "Laminar's shipped site defaults: each section names its source; values marked as common hospital policy must be confirmed against local policy before clinical use",
  "rounding": {
    "warn_above": "5%",
    "refuse_above": "10%",
    "source": "common dose-rounding policies allow 5-10 % between the dose ordered and the dose a measurable volume delivers; neonatal policies are often tighter"
  },
  "syringes": [
    {"capacity": "1 mL",  "graduation": "0.01 mL", "floor": "0.1 mL"},
    {"capacity": "3 mL",  "graduation": "0.1 mL",  "floor": "0.5 mL"},
    {"capacity": "5 mL",  "graduation": "0.2 mL",  "floor": "1 mL"},
    {"capacity": "10 mL", "graduation": "0.2 mL",  "floor": "2 mL"},
    {"capacity": "20 mL", "graduation": "1 mL",    "floor": "4 mL"},
    {"capacity": "30 mL", "graduation": "1 mL",    "floor": "6 mL"},
    {"capacity": "60 mL", "graduation": "1 mL",    "floor": "12 mL"}
  ],
  "plausible": [
    {"field": "weight", "min": "0.2 kg", "max": "650 kg", "source": "lightest surviving newborns to heaviest recorded adults"},
    {"field": "height", "min": "20 cm", "max": "275 cm", "source": "extreme preterm length to tallest recorded adult"},
    {"field": "bsa", "min": "0.03 m2", "max": "4 m2", "source": "range of BSA formulas over the weight and height ranges"},
    {"field": "serum_creatinine", "min": "0.1 mg/dL", "max": "25 mg/dL", "source": "laboratory reporting range of serum creatinine"},
    {"field": "crcl", "max": "250 mL/min", "flag_only": true, "source": "Cockcroft-Gault above 250 mL/min usually means an input error (weight or creatinine)"},
    {"field": "auc", "min": "1", "max": "10", "source": "carboplatin target AUC in published regimens (mg/mL-min)"},
    {"field": "rate", "min": "0.1 mL/h", "max": "999 mL/h", "source": "the settable range of common large-volume infusion pumps"}
  ],
  "implausible_dose": {"per_kg": "10 g/kg", "total": "500 g"},
  "dose_limits": [
    {"drug": "potassium chloride", "route": "IV", "dose_unit": "mEq",
     "max_per_dose": "40 mEq", "max_rate": "20 mEq/h",
     "source": "common hospital policy for IV potassium chloride (ISMP and ASHP guidance; confirm locally): at most 40 mEq per bag, at most 20 mEq/h on a central line, never undiluted"},
    {"drug": "potassium chloride", "route": "IV", "line": "peripheral", "dose_unit": "mEq",
     "max_rate": "10 mEq/h", "max_concentration": "0.1 mEq/mL",
     "source": "common hospital policy for IV potassium chloride on a peripheral line (confirm locally): at most 10 mEq/h and 0.1 mEq/mL"},
    {"drug": "vancomycin", "route": "IV", "dose_unit": "mg",
     "max_per_kg": "35 mg/kg", "max_per_dose": "3 g", "max_concentration": "5 mg/mL",
     "source": "ASHP/IDSA/PIDS/SIDP 2020 vancomycin consensus (loading dose 20-35 mg/kg, at most 3 g); US label of vancomycin for injection (infusion concentration at most 5 mg/mL)"},
    {"drug": "cefazolin", "route": "IV", "dose_unit": "mg",
     "max_per_dose": "3 g", "max_per_day": "12 g/day",
     "source": "US label of cefazolin for injection (up to 12 g a day in life-threatening infections); ASHP/IDSA surgical prophylaxis guideline (3 g for patients of 120 kg or more)"},
    {"drug": "ceftriaxone", "route": "IV", "dose_unit": "mg",
     "max_per_dose": "4 g", "max_per_day": "4 g/day",
     "source": "US label of ceftriaxone for injection: the total daily dose should not exceed 4 grams"},
    {"drug": "heparin", "route": "IV", "dose_unit": "units",
     "max_concentration": "100 units/mL",
     "source": "standard continuous-infusion concentration 25,000 units in 250 mL (ASHP Standardize 4 Safety); a stronger bag is a site decision"},
    {"drug": "cyclophosphamide", "route": "IV", "dose_unit": "mg",
     "max_per_m2": "1500 mg/m2",
     "source": "site ceiling above common regimens (AC 600 mg/m2, CHOP 750 mg/m2); confirm against the treatment protocol"}
  ],
  "high_alert": {
    "source": "ISMP List of High-Alert Medications in Acute Care Settings (categories and named medicines; check the current edition), mapped to formulary drug names; epidural, intrathecal and sterile-water-container entries depend on route or container and are not listed by drug",
    "require_double_check": true,
    "categories": [
      {"name": "adrenergic agonists, IV", "drugs": ["epinephrine", "norepinephrine", "phenylephrine"]},
      {"name": "adrenergic antagonists, IV", "drugs": ["esmolol", "labetalol", "metoprolol", "propranolol"]},
      {"name": "anesthetic agents", "drugs": ["propofol", "ketamine"]},
      {"name": "antiarrhythmics, IV", "drugs": ["amiodarone", "lidocaine"]},
      {"name": "antithrombotic agents", "drugs": ["heparin", "enoxaparin", "dalteparin", "fondaparinux", "argatroban", "bivalirudin", "alteplase", "tenecteplase", "warfarin", "apixaban", "rivaroxaban", "dabigatran"]},
      {"name": "chemotherapy", "drugs": ["cyclophosphamide", "carboplatin", "cisplatin", "oxaliplatin", "doxorubicin", "vincristine", "vinblastine", "paclitaxel", "docetaxel", "fluorouracil", "gemcitabine", "cytarabine", "etoposide", "methotrexate", "ifosfamide"]},
      {"name": "concentrated electrolytes", "drugs": ["potassium chloride", "potassium phosphates", "magnesium sulfate"]},
      {"name": "dextrose 20% or more", "drugs": ["dextrose 20%", "dextrose 25%", "dextrose 50%", "dextrose 70%"]},
      {"name": "sodium chloride above 0.9%", "drugs": ["sodium chloride 3%", "sodium chloride 5%", "sodium chloride 23.4%"]},
      {"name": "inotropes, IV", "drugs": ["digoxin", "dobutamine", "dopamine", "milrinone"]},
      {"name": "insulin", "drugs": ["insulin"]},
      {"name": "liposomal forms", "drugs": ["amphotericin b liposomal", "doxorubicin liposomal", "bupivacaine liposomal"]},
      {"name": "moderate sedation agents, IV", "drugs": ["midazolam", "lorazepam", "dexmedetomidine"]},
      {"name": "neuromuscular blocking agents", "drugs": ["succinylcholine", "rocuronium", "vecuronium", "cisatracurium", "atracurium"]},
      {"name": "opioids", "drugs": ["morphine", "hydromorphone", "fentanyl", "meperidine", "methadone", "remifentanil", "sufentanil"]},
      {"name": "parenteral nutrition", "drugs": ["parenteral nutrition"]},
      {"name": "named high-alert medicines", "drugs": ["epoprostenol", "nitroprusside", "oxytocin", "promethazine", "vasopressin"]}
    ]
  }
}
$rules$::jsonb AS r) AS shipped;
-- +goose StatementEnd

-- +goose Down
DROP TABLE guard_rule_versions;
DROP FUNCTION guard_rule_versions_refuse_change();
