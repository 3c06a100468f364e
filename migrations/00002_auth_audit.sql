-- +goose Up
-- Users are never deleted: the compounding log refers to them. Deactivating
-- one ends their sessions and refuses their logins.
CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    -- Stored lower-case; unique regardless of case.
    username       text NOT NULL CHECK (username = lower(username) AND username <> ''),
    display_name   text NOT NULL DEFAULT '',
    -- The first role is the primary one (what the login answer calls "role").
    roles          text[] NOT NULL CHECK (
        cardinality(roles) >= 1
        AND roles <@ ARRAY['technician', 'pharmacist', 'safety_officer', 'admin', 'interface']::text[]),
    -- argon2id hashes in PHC string form; NULL means "cannot log in this way".
    password_hash  text NULL,
    -- The badge is an identifier printed on a card, not a secret; the PIN is.
    badge          text NULL CHECK (badge IS NULL OR (badge = upper(badge) AND badge <> '')),
    pin_hash       text NULL,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deactivated_at timestamptz NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE UNIQUE INDEX users_badge_key ON users (badge) WHERE badge IS NOT NULL;

-- Sessions live here rather than in process memory so that several server
-- instances share them. Only the SHA-256 of a token is stored: a copy of the
-- table does not let anyone log in.
CREATE TABLE sessions (
    id            bigserial PRIMARY KEY,
    token_hash    bytea NOT NULL UNIQUE,
    user_id       bigint NOT NULL REFERENCES users,
    -- A badge + PIN session on a cleanroom tablet: shorter idle timeout.
    tablet        boolean NOT NULL,
    idle_seconds  integer NOT NULL CHECK (idle_seconds > 0),
    remote_addr   text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    ended_at      timestamptz NULL,
    end_reason    text NULL
);
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE ended_at IS NULL;

-- Failed-login counters per account and per address, shared by every
-- instance. A row is a key such as "user:12" or "addr:10.0.0.7".
CREATE TABLE login_throttle (
    key           text PRIMARY KEY,
    failures      integer NOT NULL,
    window_start  timestamptz NOT NULL,
    locked_until  timestamptz NULL
);

-- The compounding log. Each row's hash is the SHA-256 of its canonical
-- content, which includes the previous row's hash (see package audit).
CREATE TABLE audit_events (
    id             bigserial PRIMARY KEY,
    type           text NOT NULL CHECK (type <> ''),
    actor_id       bigint NULL REFERENCES users,
    at             timestamptz NOT NULL,
    -- No foreign key: preparations arrive in a later migration, and the log
    -- must outlive anything it mentions.
    preparation_id bigint NULL,
    -- payload_text is the canonical JSON that was hashed, byte for byte;
    -- payload is the same value as jsonb for queries (jsonb reorders keys,
    -- so it cannot be hashed reproducibly itself).
    payload_text   text NOT NULL,
    payload        jsonb GENERATED ALWAYS AS (payload_text::jsonb) STORED,
    prev_hash      text NOT NULL,
    hash           text NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_events_type ON audit_events (type, id);
CREATE INDEX audit_events_preparation ON audit_events (preparation_id, id) WHERE preparation_id IS NOT NULL;

-- The chain head: one row, locked FOR UPDATE by every append so that
-- concurrent appends queue up instead of forking the chain. It also records
-- the last event and the count, so that removing events from the end of the
-- log is detected.
CREATE TABLE audit_head (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id    bigint NOT NULL DEFAULT 0,
    last_hash  text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    events     bigint NOT NULL DEFAULT 0
);
INSERT INTO audit_head DEFAULT VALUES;
-- Statistics saying "one row" keep the append's plan cheap (a wild
-- estimate once switched on JIT compilation, costing 150 ms an append).
ANALYZE audit_head;

-- audit_append adds one event to the chain; package audit calls it with the
-- canonical record cut into three pieces around the values only the locked
-- chain head (id, prev_hash) or the clock (at) can give, and checks the
-- returned hash against its own. Being a function, its statements are
-- planned once per connection rather than on every append.
-- +goose StatementBegin
CREATE FUNCTION audit_append(
    p_at timestamptz, p_rec1 text, p_rec2 text, p_rec3 text,
    p_type text, p_actor bigint, p_preparation bigint, p_payload text)
RETURNS TABLE (event_id bigint, event_at timestamptz, event_prev_hash text, event_hash text)
LANGUAGE plpgsql AS $$
DECLARE
    v_id   bigint;
    v_prev text;
    v_at   timestamptz;
    v_hash text;
BEGIN
    -- FOR UPDATE queues concurrent appenders; each statement below sees the
    -- head as the previous appender committed it.
    SELECT h.last_id + 1, h.last_hash INTO v_id, v_prev
    FROM audit_head h WHERE h.singleton FOR UPDATE;
    v_at := COALESCE(p_at, date_trunc('microseconds', clock_timestamp()));
    v_hash := encode(sha256(convert_to(
        p_rec1 || to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || '","id":' || v_id::text || p_rec2 || v_prev || p_rec3, 'UTF8')), 'hex');
    INSERT INTO audit_events (id, type, actor_id, at, preparation_id, payload_text, prev_hash, hash)
    VALUES (v_id, p_type, p_actor, v_at, p_preparation, p_payload, v_prev, v_hash);
    UPDATE audit_head h SET last_id = v_id, last_hash = v_hash, events = h.events + 1 WHERE h.singleton;
    RETURN QUERY SELECT v_id, v_at, v_prev, v_hash;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the compounding log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
-- The head may move forward but never disappear.
CREATE TRIGGER audit_head_keep
    BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_head_no_truncate
    BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP FUNCTION audit_refuse_change();
DROP FUNCTION audit_append(timestamptz, text, text, text, text, bigint, bigint, text);
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE users;
