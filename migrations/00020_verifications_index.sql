-- +goose Up
-- The verification queue reads each preparation's first check, and a
-- remake's card its predecessor's rejection reason, from verifications.
CREATE INDEX verifications_preparation ON verifications (preparation_id, id);

-- +goose Down
DROP INDEX verifications_preparation;
