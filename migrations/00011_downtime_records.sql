-- +goose Up
-- A preparation made on paper while Laminar was down, transcribed
-- afterwards by a pharmacist: who made it, who checked it on paper, its
-- times, the components and weights written on the worksheet. Its
-- existence marks the preparation as made during downtime on every screen;
-- the record is evidence and is never changed.
CREATE TABLE downtime_records (
    preparation_id bigint      PRIMARY KEY REFERENCES preparations (id),
    made_by        bigint      NOT NULL REFERENCES users (id),
    recorded_by    bigint      NOT NULL REFERENCES users (id),
    recorded_at    timestamptz NOT NULL,
    record         jsonb       NOT NULL CHECK (jsonb_typeof(record) = 'object')
);

CREATE TRIGGER downtime_records_immutable
    BEFORE UPDATE OR DELETE ON downtime_records
    FOR EACH ROW EXECUTE FUNCTION competency_refuse_change();

-- +goose Down
DROP TABLE downtime_records;
