-- +goose Up
-- Devices in the cleanroom: balances read by the server itself, label
-- printers fed through a print queue, and the hood a tablet stands at.

-- A balance on the network (directly or through a serial-to-Ethernet
-- adapter). One active balance per hood: the tablet at that hood weighs on it.
CREATE TABLE balances (
    id             bigserial PRIMARY KEY,
    name           text        NOT NULL CHECK (name <> ''),
    address        text        NOT NULL CHECK (address <> ''),
    dialect        text        NOT NULL CHECK (dialect IN ('mt-sics', 'sbi')),
    -- The smallest step the balance shows, in grams (0.001 for a
    -- milligram balance): recorded with every weight taken on it.
    readability_g  numeric     NOT NULL CHECK (readability_g > 0 AND readability_g <= 1),
    hood           text        NOT NULL DEFAULT '',
    -- A simulator (demo or training), shown as such on every screen.
    simulated      boolean     NOT NULL DEFAULT false,
    active         boolean     NOT NULL DEFAULT true,
    created_by     bigint      REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX balances_name ON balances (lower(name));
CREATE UNIQUE INDEX balances_hood ON balances (hood) WHERE active AND hood <> '';

-- A ZPL label printer (raw TCP, usually port 9100) and its label stock.
CREATE TABLE label_printers (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL CHECK (name <> ''),
    address     text        NOT NULL CHECK (address <> ''),
    width_mm    numeric     NOT NULL CHECK (width_mm > 0),
    height_mm   numeric     NOT NULL CHECK (height_mm > 0),
    dpi         integer     NOT NULL CHECK (dpi IN (152, 203, 300, 600)),
    hood        text        NOT NULL DEFAULT '',
    active      boolean     NOT NULL DEFAULT true,
    created_by  bigint      REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX label_printers_name ON label_printers (lower(name));

-- Every label sent to a printer. A job is retried until it is printed or
-- its attempts run out (failed); the row stays, so a failed print is never
-- silent. zpl is exactly what is sent.
CREATE TABLE print_jobs (
    id              bigserial PRIMARY KEY,
    printer_id      bigint      NOT NULL REFERENCES label_printers (id),
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    label_seq       integer     NOT NULL CHECK (label_seq > 0),
    label_data      text        NOT NULL,
    zpl             text        NOT NULL,
    status          text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'printed', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    max_attempts    integer     NOT NULL CHECK (max_attempts > 0),
    next_attempt_at timestamptz NOT NULL,
    last_error      text        NOT NULL DEFAULT '',
    requested_by    bigint      NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    printed_at      timestamptz
);
CREATE INDEX print_jobs_due ON print_jobs (next_attempt_at) WHERE status = 'queued';
CREATE INDEX print_jobs_preparation ON print_jobs (preparation_id, id);

-- A tare (zero) taken on a balance at the start of a weigh step: a reading
-- of that step is taken only after one.
CREATE TABLE balance_tares (
    id              bigserial PRIMARY KEY,
    balance_id      bigint      NOT NULL REFERENCES balances (id),
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    step_id         text        NOT NULL,
    user_id         bigint      NOT NULL REFERENCES users (id),
    raw             text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL
);
CREATE INDEX balance_tares_step ON balance_tares (preparation_id, step_id, at DESC);

-- The hood a tablet session stands at, chosen on the tablet after login.
CREATE TABLE tablet_hoods (
    session_id  text        PRIMARY KEY,
    hood        text        NOT NULL CHECK (hood <> ''),
    bound_at    timestamptz NOT NULL
);

-- A weight read from a balance keeps the balance, its own reply line and
-- its readability; a weight without a balance was typed.
ALTER TABLE weights
    ADD COLUMN balance_id    bigint REFERENCES balances (id),
    ADD COLUMN balance_raw   text    NOT NULL DEFAULT '',
    ADD COLUMN readability_g numeric;

-- +goose Down
ALTER TABLE weights DROP COLUMN readability_g, DROP COLUMN balance_raw, DROP COLUMN balance_id;
DROP TABLE tablet_hoods;
DROP TABLE balance_tares;
DROP TABLE print_jobs;
DROP TABLE label_printers;
DROP TABLE balances;
