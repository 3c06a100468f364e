-- +goose Up
-- Site-wide facts that belong to the database rather than to one process,
-- such as when the demo data was seeded.
CREATE TABLE site_meta (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE site_meta;
