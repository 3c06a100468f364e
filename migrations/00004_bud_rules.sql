-- +goose Up
-- Versions of the beyond-use-date rule table (package bud). A version is
-- never changed or removed: a change is a new version with a later
-- effective_from, so the BUD of a preparation can always be recomputed with
-- the rules that were in force when its compounding started.
CREATE TABLE bud_rule_versions (
    id             bigserial PRIMARY KEY,
    version        text        NOT NULL UNIQUE CHECK (version <> ''),
    effective_from timestamptz NOT NULL UNIQUE,
    -- The marshalled bud.Rules; its own version and effective_from must
    -- agree with the columns, which are what queries use.
    rules          jsonb       NOT NULL CHECK (
        jsonb_typeof(rules) = 'object'
        AND rules->>'version' = version
        AND (rules->>'effective_from')::timestamptz = effective_from),
    -- NULL for the version shipped with Laminar (inserted below) or seeded.
    created_by     bigint      NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE FUNCTION bud_rule_versions_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'BUD rule versions are never changed or removed (% refused); add a new version with a later effective_from instead', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER bud_rule_versions_immutable
    BEFORE UPDATE OR DELETE ON bud_rule_versions
    FOR EACH ROW EXECUTE FUNCTION bud_rule_versions_refuse_change();
CREATE TRIGGER bud_rule_versions_no_truncate
    BEFORE TRUNCATE ON bud_rule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION bud_rule_versions_refuse_change();

-- Every database gets the USP <797> (2023) table, demo or not, so a BUD can
-- be computed from the first start. This is a copy of the table embedded in
-- package bud (a test keeps the two equal); a later default is a new
-- version added by a new migration, never an edit of this one.
-- +goose StatementBegin
INSERT INTO bud_rule_versions (version, effective_from, rules)
SELECT r->>'version', (r->>'effective_from')::timestamptz, r
FROM (SELECT $rules$
{
  "version": "usp797-2023.1",
  "effective_from": "2023-11-01T00:00:00Z",
  "source": "USP General Chapter <797> Pharmaceutical Compounding - Sterile Preparations, 2023 revision (official 1 November 2023), BUD tables; in-use limits of opened containers",
  "immediate_use": {
    "limit": "4 h",
    "max_components": 3,
    "storage": ["room"],
    "allow_hazardous": false,
    "allow_compounded": false,
    "require_sterile": true
  },
  "category_limits": [
    {"category": "1", "method": "any", "sterility_tested": "any", "starting_components": "any",
     "limits": {"room": "12 h", "refrigerator": "24 h"}},

    {"category": "2", "method": "aseptic", "sterility_tested": false, "starting_components": "sterile",
     "limits": {"room": "4 days", "refrigerator": "10 days", "freezer": "45 days"}},
    {"category": "2", "method": "aseptic", "sterility_tested": false, "starting_components": "nonsterile",
     "limits": {"room": "1 day", "refrigerator": "4 days", "freezer": "45 days"}},
    {"category": "2", "method": "aseptic", "sterility_tested": true, "starting_components": "any",
     "limits": {"room": "30 days", "refrigerator": "45 days", "freezer": "60 days"}},
    {"category": "2", "method": "terminal", "sterility_tested": false, "starting_components": "any",
     "limits": {"room": "14 days", "refrigerator": "28 days", "freezer": "45 days"}},
    {"category": "2", "method": "terminal", "sterility_tested": true, "starting_components": "any",
     "limits": {"room": "45 days", "refrigerator": "60 days", "freezer": "90 days"}},

    {"category": "3", "method": "aseptic", "sterility_tested": true, "starting_components": "any",
     "limits": {"room": "60 days", "refrigerator": "90 days", "freezer": "120 days"}},
    {"category": "3", "method": "terminal", "sterility_tested": true, "starting_components": "any",
     "limits": {"room": "90 days", "refrigerator": "120 days", "freezer": "180 days"}}
  ],
  "in_use": [
    {"container": "single_dose", "inside_iso5": "12 h", "outside_iso5": "0 h",
     "note": "Single-dose vial: 12 hours after first puncture when punctured only inside ISO 5 air (stored as labelled); punctured outside ISO 5, use at once and do not keep."},
    {"container": "bag", "inside_iso5": "12 h", "outside_iso5": "0 h",
     "note": "A commercially made IV bag used as a component is treated as a single-dose container."},
    {"container": "ampule", "inside_iso5": "0 h", "outside_iso5": "0 h", "never_reused": true,
     "note": "Ampule: use at once once opened; never stored or reused."},
    {"container": "multiple_dose", "inside_iso5": "28 days", "outside_iso5": "28 days", "stated_overrides": true,
     "note": "Multiple-dose vial: 28 days after first puncture unless the manufacturer states otherwise (give in_use_limit)."},
    {"container": "bulk", "inside_iso5": null, "outside_iso5": null, "stated_overrides": true,
     "note": "Pharmacy bulk package: the manufacturer's stated in-use limit (in_use_limit) is required; it may be punctured only inside ISO 5 air."},
    {"container": "compounded", "inside_iso5": "12 h", "outside_iso5": "0 h", "cap_at_own_bud": true,
     "note": "Compounded stock solution: 12 hours after first puncture and never past its own BUD; punctured outside ISO 5, use at once."}
  ]
}
$rules$::jsonb AS r) AS shipped;
-- +goose StatementEnd

-- +goose Down
DROP TABLE bud_rule_versions;
DROP FUNCTION bud_rule_versions_refuse_change();
