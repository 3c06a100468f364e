-- +goose Up
-- The preparation workflow: master formulation records (recipes), orders,
-- preparations with their worksheets, every scan, weight and manual step,
-- opened containers, labels, verifications, waste, photos, and the stored
-- responses of idempotent requests.
--
-- Users are never deleted (they are deactivated) and neither are products
-- (they are made inactive), so rows here may refer to both; worksheets
-- still snapshot the products they were computed from.

-- A master formulation record, versioned per drug. A preparation points at
-- the exact version it followed; a new version never rewrites one.
CREATE TABLE recipes (
    id          bigserial PRIMARY KEY,
    drug        text        NOT NULL CHECK (drug <> ''),
    version     integer     NOT NULL CHECK (version > 0),
    name        text        NOT NULL,
    body        jsonb       NOT NULL,
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (drug, version)
);

CREATE TABLE orders (
    id                 bigserial PRIMARY KEY,
    patient_mrn        text        NOT NULL,
    patient_name       text        NOT NULL,
    patient_birth_date date        NOT NULL,
    -- Quantities are stored exactly: a numeric value and its unit.
    weight_value       numeric,
    weight_unit        text,
    height_value       numeric,
    height_unit        text,
    patient_location   text        NOT NULL,
    drug               text        NOT NULL,
    dose_value         numeric     NOT NULL,
    dose_unit          text        NOT NULL,
    route              text        NOT NULL,
    diluent            text        NOT NULL DEFAULT '',
    final_volume_value numeric,
    final_volume_unit  text,
    infuse_over        text        NOT NULL DEFAULT '',
    due_at             timestamptz NOT NULL,
    priority           text        NOT NULL CHECK (priority IN ('stat', 'first_dose', 'routine')),
    status             text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
    cancel_reason      text        NOT NULL DEFAULT '',
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    cancelled_by       bigint REFERENCES users (id),
    cancelled_at       timestamptz
);

CREATE TABLE preparations (
    id            bigserial PRIMARY KEY,
    order_id      bigint      NOT NULL REFERENCES orders (id),
    -- A remake after a rejection points at the preparation it replaces.
    remake_of     bigint      REFERENCES preparations (id),
    recipe_id     bigint      NOT NULL REFERENCES recipes (id),
    status        text        NOT NULL CHECK (status IN
                  ('queued', 'in_progress', 'completed', 'verified', 'released', 'rejected', 'cancelled')),
    -- version is bumped by every state change: optimistic locking.
    version       integer     NOT NULL DEFAULT 1,
    batch_key     text        NOT NULL,
    worksheet     jsonb       NOT NULL,
    claimed_by    bigint REFERENCES users (id),
    claimed_at    timestamptz,
    started_at    timestamptz,
    prepared_by   bigint REFERENCES users (id),
    completed_at  timestamptz,
    verified_by   bigint REFERENCES users (id),
    verified_at   timestamptz,
    released_by   bigint REFERENCES users (id),
    released_at   timestamptz,
    bud           timestamptz,
    bud_result    jsonb,
    label_seq     integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'in_progress') = (claimed_by IS NOT NULL))
);
CREATE INDEX preparations_open ON preparations (status) WHERE status IN ('queued', 'in_progress', 'completed', 'verified');
CREATE INDEX preparations_order ON preparations (order_id);

-- Every scan, accepted or refused, with its raw data.
CREATE TABLE scans (
    id              bigserial PRIMARY KEY,
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    step_id         text        NOT NULL,
    user_id         bigint      NOT NULL REFERENCES users (id),
    raw_data        text        NOT NULL,
    accepted        boolean     NOT NULL,
    refusal_code    text        NOT NULL DEFAULT '',
    refusal_message text        NOT NULL DEFAULT '',
    product_id      bigint      REFERENCES products (id),
    gtin            text        NOT NULL DEFAULT '',
    lot             text        NOT NULL DEFAULT '',
    serial          text        NOT NULL DEFAULT '',
    expires_at      timestamptz,
    container_id    bigint,
    warning         text        NOT NULL DEFAULT '',
    detail          jsonb,
    at              timestamptz NOT NULL
);
CREATE INDEX scans_preparation ON scans (preparation_id, id);

-- A container tracked from its first puncture: a scan of the same GTIN, lot
-- and serial later is checked against its in-use limit.
CREATE TABLE opened_containers (
    id                   bigserial PRIMARY KEY,
    product_id           bigint      NOT NULL REFERENCES products (id),
    gtin                 text        NOT NULL,
    lot                  text        NOT NULL,
    serial               text        NOT NULL CHECK (serial <> ''),
    container            text        NOT NULL,
    opened_at            timestamptz NOT NULL,
    opened_by            bigint      NOT NULL REFERENCES users (id),
    iso5                 boolean     NOT NULL DEFAULT true,
    first_preparation_id bigint      NOT NULL REFERENCES preparations (id),
    UNIQUE (gtin, lot, serial)
);

CREATE TABLE weights (
    id              bigserial PRIMARY KEY,
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    step_id         text        NOT NULL,
    user_id         bigint      NOT NULL REFERENCES users (id),
    measured_value  numeric     NOT NULL,
    measured_unit   text        NOT NULL,
    expected_g      numeric     NOT NULL,
    deviation_pct   numeric     NOT NULL,
    tolerance_pct   numeric     NOT NULL,
    pass            boolean     NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX weights_preparation ON weights (preparation_id, id);

-- Manual steps (reconstitute, draw, inject, inspect) marked done.
CREATE TABLE step_marks (
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    step_id         text        NOT NULL,
    user_id         bigint      NOT NULL REFERENCES users (id),
    note            text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL,
    PRIMARY KEY (preparation_id, step_id)
);

CREATE TABLE photos (
    id              bigserial PRIMARY KEY,
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    step_id         text        NOT NULL,
    user_id         bigint      NOT NULL REFERENCES users (id),
    content_type    text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data            bytea       NOT NULL,
    sha256          text        NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX photos_preparation ON photos (preparation_id);

-- Each label printed. seq grows with every print; only the highest seq of a
-- preparation is current, so an older printout cannot release it.
CREATE TABLE labels (
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    seq             integer     NOT NULL CHECK (seq > 0),
    data            text        NOT NULL UNIQUE,
    format          text        NOT NULL,
    printed_by      bigint      NOT NULL REFERENCES users (id),
    printed_at      timestamptz NOT NULL,
    PRIMARY KEY (preparation_id, seq)
);

CREATE TABLE verifications (
    id              bigserial PRIMARY KEY,
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    pharmacist_id   bigint      NOT NULL REFERENCES users (id),
    decision        text        NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason          text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL
);

CREATE TABLE waste (
    id              bigserial PRIMARY KEY,
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    recorded_by     bigint      NOT NULL REFERENCES users (id),
    reason          text        NOT NULL,
    items           jsonb       NOT NULL,
    at              timestamptz NOT NULL
);

-- The first response to a POST carrying an Idempotency-Key. The row is
-- inserted in the same transaction as the change it guards, so a
-- concurrent duplicate waits on the primary key and then finds it.
CREATE TABLE idempotency_keys (
    user_id       bigint      NOT NULL,
    route         text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    status        integer     NOT NULL DEFAULT 0,
    body          bytea,
    content_type  text        NOT NULL DEFAULT 'application/json',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, route, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE waste;
DROP TABLE verifications;
DROP TABLE labels;
DROP TABLE photos;
DROP TABLE step_marks;
DROP TABLE weights;
DROP TABLE opened_containers;
DROP TABLE scans;
DROP TABLE preparations;
DROP TABLE orders;
DROP TABLE recipes;
