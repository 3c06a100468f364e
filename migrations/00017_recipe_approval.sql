-- +goose Up
-- A recipe version is a draft until a pharmacist other than its author
-- approves it; orders and worksheets follow the newest approved version of
-- their drug. Versions stored before approvals existed were already in use:
-- they count as approved (at their creation, by no one recorded).
ALTER TABLE recipes
    ADD COLUMN status      text NOT NULL DEFAULT 'approved' CHECK (status IN ('draft', 'approved')),
    ADD COLUMN approved_by bigint REFERENCES users (id),
    ADD COLUMN approved_at timestamptz;
UPDATE recipes SET approved_at = created_at;
ALTER TABLE recipes
    ALTER COLUMN status SET DEFAULT 'draft',
    ADD CONSTRAINT recipes_approval_complete CHECK ((status = 'approved') = (approved_at IS NOT NULL)),
    ADD CONSTRAINT recipes_not_self_approved CHECK (approved_by IS NULL OR created_by IS NULL OR approved_by <> created_by);
CREATE INDEX recipes_in_force ON recipes (drug, version DESC) WHERE status = 'approved';

-- +goose Down
DROP INDEX recipes_in_force;
ALTER TABLE recipes
    DROP CONSTRAINT recipes_not_self_approved,
    DROP CONSTRAINT recipes_approval_complete,
    DROP COLUMN approved_at,
    DROP COLUMN approved_by,
    DROP COLUMN status;
