-- +goose Up
-- Who may compound: competency records of each person (gloved fingertip
-- sampling, media fill, garbing, hand hygiene, hazardous handling, and
-- kinds a site adds) and the versioned rule table that says how long each
-- stays current and which ones each category of work needs.

-- A rule version is never changed or removed: a change is a new version
-- with a later effective_from (package competency validates the body).
CREATE TABLE competency_rule_versions (
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
CREATE FUNCTION competency_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed or removed (% refused); add a new row instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER competency_rule_versions_immutable
    BEFORE UPDATE OR DELETE ON competency_rule_versions
    FOR EACH ROW EXECUTE FUNCTION competency_refuse_change();
CREATE TRIGGER competency_rule_versions_no_truncate
    BEFORE TRUNCATE ON competency_rule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION competency_refuse_change();

-- One evaluation of one person. Records are evidence: they are never
-- edited or deleted; a correction is a new record.
CREATE TABLE competencies (
    id                bigserial PRIMARY KEY,
    user_id           bigint      NOT NULL REFERENCES users (id),
    kind              text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    result            text        NOT NULL CHECK (result IN ('pass', 'fail')),
    passed_at         timestamptz NOT NULL,
    evaluator         text        NOT NULL DEFAULT '',
    note              text        NOT NULL DEFAULT '',
    evidence_name     text        NOT NULL DEFAULT '',
    evidence_type     text        NOT NULL DEFAULT '',
    evidence          bytea       NULL,
    recorded_by       bigint      NULL REFERENCES users (id),
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX competencies_user ON competencies (user_id, kind, passed_at DESC);

CREATE TRIGGER competencies_immutable
    BEFORE UPDATE OR DELETE ON competencies
    FOR EACH ROW EXECUTE FUNCTION competency_refuse_change();
CREATE TRIGGER competencies_no_truncate
    BEFORE TRUNCATE ON competencies
    FOR EACH STATEMENT EXECUTE FUNCTION competency_refuse_change();

-- Every database gets the shipped rule table (a copy of the one embedded in
-- package competency; a test keeps the two equal).
-- +goose StatementBegin
INSERT INTO competency_rule_versions (version, effective_from, rules)
SELECT r->>'version', (r->>'effective_from')::timestamptz, r
FROM (SELECT $rules$
{
  "version": "usp797-2023",
  "effective_from": "2023-11-01T00:00:00Z",
  "source": "USP General Chapter <797> Pharmaceutical Compounding - Sterile Preparations (2023 revision, official 2023-11-01), section 2 (personnel training and evaluation); USP General Chapter <800> Hazardous Drugs - Handling in Healthcare Settings, section 7 (training, at least every 12 months). Site defaults: confirm against local policy.",
  "kinds": [
    {"kind": "gloved_fingertip", "name": "gloved fingertip and thumb sampling", "months": 6, "months_category_3": 3},
    {"kind": "media_fill", "name": "media-fill (aseptic manipulation) test", "months": 6, "months_category_3": 3},
    {"kind": "garbing", "name": "garbing competency", "months": 6, "months_category_3": 3},
    {"kind": "hand_hygiene", "name": "hand hygiene competency", "months": 12, "months_category_3": 12},
    {"kind": "hazardous_handling", "name": "hazardous drug handling", "months": 12, "months_category_3": 12}
  ],
  "required": {
    "immediate": ["gloved_fingertip", "media_fill", "garbing", "hand_hygiene"],
    "1": ["gloved_fingertip", "media_fill", "garbing", "hand_hygiene"],
    "2": ["gloved_fingertip", "media_fill", "garbing", "hand_hygiene"],
    "3": ["gloved_fingertip", "media_fill", "garbing", "hand_hygiene"]
  },
  "hazardous_required": ["hazardous_handling"],
  "due_soon_days": 30
}
$rules$::jsonb AS r) AS shipped;
-- +goose StatementEnd

-- +goose Down
DROP TABLE competencies;
DROP TABLE competency_rule_versions;
DROP FUNCTION competency_refuse_change();
