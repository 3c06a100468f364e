-- +goose Up
-- Reference pictures of formulary products, shown on the technician's scan
-- and draw steps so the container in hand can be compared with the one
-- expected. A product may get a newer picture; the newest is shown, older
-- ones stay for the record.
CREATE TABLE product_pictures (
    id           bigserial PRIMARY KEY,
    product_id   bigint      NOT NULL REFERENCES products (id),
    content_type text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         bytea       NOT NULL,
    sha256       text        NOT NULL,
    uploaded_by  bigint      NULL REFERENCES users (id),
    uploaded_at  timestamptz NOT NULL
);
CREATE INDEX product_pictures_product ON product_pictures (product_id, id DESC);

-- +goose Down
DROP TABLE product_pictures;
