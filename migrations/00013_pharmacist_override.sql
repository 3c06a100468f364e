-- +goose Up
-- A preparation whose dose is outside its drug's dose-range or rate limits
-- waits in needs_pharmacist_override until a pharmacist overrides it, with
-- a reason and the password again; the override is kept here and in the
-- compounding log.
ALTER TABLE preparations DROP CONSTRAINT preparations_status_check;
ALTER TABLE preparations ADD CONSTRAINT preparations_status_check CHECK (status IN
    ('needs_pharmacist_override', 'queued', 'in_progress', 'completed', 'verified', 'released', 'rejected', 'cancelled'));
DROP INDEX preparations_open;
CREATE INDEX preparations_open ON preparations (status)
    WHERE status IN ('needs_pharmacist_override', 'queued', 'in_progress', 'completed', 'verified');

CREATE TABLE pharmacist_overrides (
    id             bigserial PRIMARY KEY,
    preparation_id bigint      NOT NULL REFERENCES preparations (id),
    user_id        bigint      NOT NULL REFERENCES users (id),
    reason         text        NOT NULL CHECK (reason <> ''),
    -- The limits overridden, as the worksheet found them.
    holds          jsonb       NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX pharmacist_overrides_prep ON pharmacist_overrides (preparation_id);

-- +goose Down
DROP TABLE pharmacist_overrides;
DELETE FROM preparations WHERE status = 'needs_pharmacist_override';
ALTER TABLE preparations DROP CONSTRAINT preparations_status_check;
ALTER TABLE preparations ADD CONSTRAINT preparations_status_check CHECK (status IN
    ('queued', 'in_progress', 'completed', 'verified', 'released', 'rejected', 'cancelled'));
DROP INDEX preparations_open;
CREATE INDEX preparations_open ON preparations (status) WHERE status IN ('queued', 'in_progress', 'completed', 'verified');
