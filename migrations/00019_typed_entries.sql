-- +goose Up
-- Typed entries and counted containers. A scan or a weight is either read
-- by a device (a scanner, a balance) or typed by a person: a typed one
-- carries the reason given and, where the site requires it, the second
-- person who witnessed it. A container without a serial number scanned
-- again in the same step is accepted only as a counted confirmation
-- ("container 2 of 2"), recorded in container_no.
ALTER TABLE scans
    ADD COLUMN source        text    NOT NULL DEFAULT 'scanner' CHECK (source IN ('scanner', 'typed')),
    ADD COLUMN typed_reason  text    NOT NULL DEFAULT '',
    ADD COLUMN witness_id    bigint  REFERENCES users (id),
    ADD COLUMN container_no  integer NOT NULL DEFAULT 0 CHECK (container_no >= 0);
ALTER TABLE scans ADD CONSTRAINT scans_typed_has_reason
    CHECK (source = 'scanner' OR typed_reason <> '');

-- Existing weights: one with a balance was read from it, one without was typed
-- (before typed weights needed a reason: the reason says so).
ALTER TABLE weights
    ADD COLUMN source        text    NOT NULL DEFAULT 'balance' CHECK (source IN ('balance', 'typed')),
    ADD COLUMN typed_reason  text    NOT NULL DEFAULT '',
    ADD COLUMN witness_id    bigint  REFERENCES users (id);
UPDATE weights SET source = 'typed', typed_reason = 'typed before a reason was asked for' WHERE balance_id IS NULL;
ALTER TABLE weights ADD CONSTRAINT weights_source_matches
    CHECK ((source = 'balance') = (balance_id IS NOT NULL) AND (source = 'balance' OR typed_reason <> ''));

-- +goose Down
ALTER TABLE weights DROP CONSTRAINT weights_source_matches;
ALTER TABLE weights DROP COLUMN witness_id, DROP COLUMN typed_reason, DROP COLUMN source;
ALTER TABLE scans DROP CONSTRAINT scans_typed_has_reason;
ALTER TABLE scans DROP COLUMN container_no, DROP COLUMN witness_id, DROP COLUMN typed_reason, DROP COLUMN source;
