-- +goose Up
-- An event is queued in audit_pending by the transaction that makes the
-- change, without touching the chain head, and sealed into audit_events by
-- a deferred constraint trigger when that transaction commits: the head is
-- locked only from the seal to the end of the commit, never while the
-- client is still talking to the server. Events of one transaction are
-- sealed in the order they were queued; transactions in commit order. If
-- the seal fails, the commit fails, so a change that committed has its
-- events in the chain. The hashed record is the one audit_append wrote, so
-- the existing events verify unchanged.
CREATE TABLE audit_pending (
    seq            bigserial PRIMARY KEY,
    at             timestamptz NULL,
    rec1           text NOT NULL,
    rec2           text NOT NULL,
    rec3           text NOT NULL,
    type           text NOT NULL CHECK (type <> ''),
    actor_id       bigint NULL REFERENCES users,
    preparation_id bigint NULL,
    payload_text   text NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION audit_enqueue(
    p_at timestamptz, p_rec1 text, p_rec2 text, p_rec3 text,
    p_type text, p_actor bigint, p_preparation bigint, p_payload text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    INSERT INTO audit_pending (at, rec1, rec2, rec3, type, actor_id, preparation_id, payload_text)
    VALUES (p_at, p_rec1, p_rec2, p_rec3, p_type, p_actor, p_preparation, p_payload);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_id      bigint;
    v_prev    text;
    v_at      timestamptz;
    v_last_at timestamptz;
    v_hash    text;
BEGIN
    SELECT h.last_id + 1, h.last_hash INTO v_id, v_prev
    FROM audit_head h WHERE h.singleton FOR UPDATE;
    SELECT e.at INTO v_last_at FROM audit_events e WHERE e.id = v_id - 1;
    v_at := COALESCE(NEW.at, date_trunc('microseconds', clock_timestamp()));
    IF v_last_at IS NOT NULL AND v_at < v_last_at THEN
        v_at := v_last_at;
    END IF;
    v_hash := encode(sha256(convert_to(
        NEW.rec1 || to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || '","id":' || v_id::text || NEW.rec2 || v_prev || NEW.rec3, 'UTF8')), 'hex');
    INSERT INTO audit_events (id, type, actor_id, at, preparation_id, payload_text, prev_hash, hash)
    VALUES (v_id, NEW.type, NEW.actor_id, v_at, NEW.preparation_id, NEW.payload_text, v_prev, v_hash);
    UPDATE audit_head h SET last_id = v_id, last_hash = v_hash, events = h.events + 1 WHERE h.singleton;
    DELETE FROM audit_pending WHERE seq = NEW.seq;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER audit_pending_seal
    AFTER INSERT ON audit_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_seal();

-- +goose Down
DROP TRIGGER audit_pending_seal ON audit_pending;
DROP FUNCTION audit_seal();
DROP FUNCTION audit_enqueue(timestamptz, text, text, text, text, bigint, bigint, text);
DROP TABLE audit_pending;
