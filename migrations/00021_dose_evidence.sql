-- +goose Up
-- Evidence of the dose. Every drawn drug is proven by a weight (volume ×
-- specific gravity, within the recipe's tolerance), a photo of the syringe
-- at the drawn volume, or both, as the site's policy says.

-- Specific gravities per product and concentration, with their source. A
-- published value names its publication; a value determined on site (a
-- measured volume of the solution weighed twice) keeps the lot, the volume,
-- both masses, who and when. Rows are never changed or removed: a newer row
-- for the same product and concentration is used from then on.
CREATE TABLE specific_gravities (
    id               bigserial PRIMARY KEY,
    product_id       bigint      NOT NULL REFERENCES products (id),
    -- Per mL at 4 significant digits, e.g. '50 mg/mL', '333.3 mg/mL'.
    concentration    text        NOT NULL CHECK (concentration ~ '^[0-9.]+ [^ ]+/mL$'),
    specific_gravity numeric     NOT NULL CHECK (specific_gravity >= 0.5 AND specific_gravity <= 3),
    method           text        NOT NULL CHECK (method IN ('published', 'determined')),
    source           text        NOT NULL CHECK (source <> ''),
    lot              text        NULL,
    volume_ml        numeric     NULL CHECK (volume_ml > 0),
    mass1_g          numeric     NULL CHECK (mass1_g > 0),
    mass2_g          numeric     NULL CHECK (mass2_g > 0),
    recorded_by      bigint      NULL REFERENCES users (id),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (method = 'published' OR (lot IS NOT NULL AND lot <> '' AND volume_ml IS NOT NULL
        AND mass1_g IS NOT NULL AND mass2_g IS NOT NULL AND recorded_by IS NOT NULL))
);
CREATE INDEX specific_gravities_product ON specific_gravities (product_id, id DESC);

-- The site's dose evidence policy, versioned and effective-dated like the
-- guard table: a version is never changed or removed.
CREATE TABLE dose_evidence_policies (
    id             bigserial PRIMARY KEY,
    version        text        NOT NULL UNIQUE CHECK (version <> ''),
    effective_from timestamptz NOT NULL UNIQUE,
    policy         jsonb       NOT NULL CHECK (
        jsonb_typeof(policy) = 'object'
        AND policy->>'version' = version
        AND (policy->>'effective_from')::timestamptz = effective_from),
    created_by     bigint      NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE FUNCTION dose_evidence_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed or removed (% refused); add a new row instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER specific_gravities_append_only
    BEFORE UPDATE OR DELETE ON specific_gravities
    FOR EACH ROW EXECUTE FUNCTION dose_evidence_refuse_change();
CREATE TRIGGER specific_gravities_no_truncate
    BEFORE TRUNCATE ON specific_gravities
    FOR EACH STATEMENT EXECUTE FUNCTION dose_evidence_refuse_change();
CREATE TRIGGER dose_evidence_policies_immutable
    BEFORE UPDATE OR DELETE ON dose_evidence_policies
    FOR EACH ROW EXECUTE FUNCTION dose_evidence_refuse_change();
CREATE TRIGGER dose_evidence_policies_no_truncate
    BEFORE TRUNCATE ON dose_evidence_policies
    FOR EACH STATEMENT EXECUTE FUNCTION dose_evidence_refuse_change();

-- The shipped policy: every draw is weighed where a specific gravity is
-- known, else photographed; a high-alert drug is weighed and photographed.
-- +goose StatementBegin
INSERT INTO dose_evidence_policies (version, effective_from, policy)
SELECT p->>'version', (p->>'effective_from')::timestamptz, p
FROM (SELECT $policy$
{
  "version": "laminar-dose-evidence-2026.1",
  "effective_from": "2023-11-01T00:00:00Z",
  "source": "Laminar's shipped site default: every drawn drug has a gravimetric weight or a photo of the syringe at the drawn volume; high-alert drugs (ISMP list, guard table) both. Two on-site weighings of a specific gravity agree within 1 %; at least 5 mL is weighed (common hospital policy; confirm locally)",
  "draw": "weight_or_photo",
  "high_alert": "weight_and_photo",
  "determination_agreement": "1%",
  "determination_min_volume": "5 mL"
}
$policy$::jsonb AS p) s;
-- +goose StatementEnd

-- +goose Down
DROP TABLE dose_evidence_policies;
DROP TABLE specific_gravities;
DROP FUNCTION dose_evidence_refuse_change();
