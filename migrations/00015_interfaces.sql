-- +goose Up
-- Interfaces with the hospital's systems: every message received (HL7 v2
-- over MLLP, FHIR) is kept in an inbox before it is acknowledged; orders
-- from outside are linked to the sender's order number; dispense messages
-- wait in an outbox written in the same transaction as the release; drug
-- codes map to the formulary through a table admins edit; interface
-- accounts authenticate with long-lived API keys stored hashed.

CREATE TABLE interface_inbox (
    id             bigserial PRIMARY KEY,
    channel        text        NOT NULL CHECK (channel IN ('hl7v2', 'fhir')),
    -- Who sent it: MSH-3^MSH-4 for HL7, the account for FHIR.
    sender         text        NOT NULL,
    -- MSH-10 (or the FHIR request's identifier); '' when unreadable.
    control_id     text        NOT NULL,
    message_type   text        NOT NULL DEFAULT '',
    -- The message as received (bytes: it need not be valid UTF-8).
    body           bytea       NOT NULL,
    -- received: stored, not yet applied (a crash here is finished on
    -- restart or when the sender resends); applied; error: understood but
    -- not applied (AE); rejected: unreadable (AR).
    status         text        NOT NULL CHECK (status IN ('received', 'applied', 'error', 'rejected')),
    ack_code       text        NOT NULL DEFAULT '' CHECK (ack_code IN ('', 'AA', 'AE', 'AR')),
    -- The acknowledgment sent, so that a resent duplicate gets the same one.
    ack            bytea       NULL,
    error_code     text        NOT NULL DEFAULT '',
    error_field    text        NOT NULL DEFAULT '',
    error_message  text        NOT NULL DEFAULT '',
    order_id       bigint      NULL REFERENCES orders (id),
    received_at    timestamptz NOT NULL,
    applied_at     timestamptz NULL,
    attempts       integer     NOT NULL DEFAULT 0,
    replayed_by    bigint      NULL REFERENCES users (id),
    replayed_at    timestamptz NULL
);
-- The same control ID from the same sender is the same message. A message
-- rejected as unreadable (AR) is kept but not matched: the sender may send
-- a corrected one under the same control ID.
CREATE UNIQUE INDEX interface_inbox_message ON interface_inbox (channel, sender, control_id)
    WHERE control_id <> '' AND status <> 'rejected';
CREATE INDEX interface_inbox_status ON interface_inbox (status, id);
CREATE INDEX interface_inbox_received ON interface_inbox (received_at DESC, id DESC);

-- An order as the sender knows it (ORC-2 placer order number or the FHIR
-- identifier) and each Laminar order it became: a change (XO) is a new
-- version, a new Laminar order.
CREATE TABLE external_orders (
    sender      text        NOT NULL,
    placer      text        NOT NULL CHECK (placer <> ''),
    version     integer     NOT NULL CHECK (version > 0),
    order_id    bigint      NOT NULL UNIQUE REFERENCES orders (id),
    -- active, held (HD), stopped (DC/CA): the sender's view of it.
    state       text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'held', 'stopped')),
    inbox_id    bigint      NULL REFERENCES interface_inbox (id),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (sender, placer, version)
);

-- What the hospital's systems told us about a patient (ADT and order
-- messages): used to fill an order that lacks a weight or location.
CREATE TABLE interface_patients (
    mrn           text        PRIMARY KEY,
    name          text        NOT NULL DEFAULT '',
    birth_date    date        NULL,
    weight_value  numeric     NULL,
    weight_unit   text        NULL,
    height_value  numeric     NULL,
    height_unit   text        NULL,
    location      text        NOT NULL DEFAULT '',
    discharged    boolean     NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL
);

-- A hold on a preparation, put by a change or stop from the ordering system
-- (or a weight change) while it may be in progress. Technicians cannot go
-- on while a hold is open; a pharmacist decides. A stop cannot be
-- continued.
CREATE TABLE preparation_holds (
    id              bigserial PRIMARY KEY,
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    kind            text        NOT NULL CHECK (kind IN ('changed', 'stopped', 'held', 'weight_changed')),
    reason          text        NOT NULL,
    inbox_id        bigint      NULL REFERENCES interface_inbox (id),
    -- The preparation queued from the changed order, if any.
    replacement_id  bigint      NULL REFERENCES preparations (id),
    created_at      timestamptz NOT NULL,
    decision        text        NULL CHECK (decision IN ('continue', 'stop', 'released')),
    decided_by      bigint      NULL REFERENCES users (id),
    decided_at      timestamptz NULL,
    decision_reason text        NOT NULL DEFAULT '',
    CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CHECK (kind <> 'stopped' OR decision IS DISTINCT FROM 'continue')
);
CREATE UNIQUE INDEX preparation_holds_open ON preparation_holds (preparation_id) WHERE decided_at IS NULL;

-- Messages to send to the hospital's systems, written in the transaction of
-- the event they report and sent by a background worker with back-off.
CREATE TABLE interface_outbox (
    id              bigserial PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('dispense', 'waste')),
    preparation_id  bigint      NOT NULL REFERENCES preparations (id),
    destination     text        NOT NULL,
    control_id      text        NOT NULL UNIQUE,
    body            bytea       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text        NOT NULL DEFAULT '',
    ack_code        text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz NULL
);
CREATE INDEX interface_outbox_due ON interface_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX interface_outbox_prep ON interface_outbox (preparation_id);

-- A site's own drug codes (a pharmacy system's item numbers, RxNorm, ...)
-- mapped to a formulary drug. NDCs and GTINs of the formulary map without
-- an entry here.
CREATE TABLE drug_code_map (
    system      text        NOT NULL,
    code        text        NOT NULL CHECK (code <> ''),
    drug        text        NOT NULL CHECK (drug <> '' AND drug = lower(drug)),
    note        text        NOT NULL DEFAULT '',
    updated_by  bigint      NULL REFERENCES users (id),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (system, code)
);

-- Long-lived API keys of interface accounts. Only the SHA-256 of a key is
-- kept; the key itself is shown once, when it is created.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id),
    name         text        NOT NULL CHECK (name <> ''),
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL UNIQUE,
    created_by   bigint      NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL,
    revoked_by   bigint      NULL REFERENCES users (id)
);
CREATE INDEX api_keys_user ON api_keys (user_id);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE drug_code_map;
DROP TABLE interface_outbox;
DROP TABLE preparation_holds;
DROP TABLE interface_patients;
DROP TABLE external_orders;
DROP TABLE interface_inbox;
