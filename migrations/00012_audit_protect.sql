-- +goose Up
-- The log's write path runs with its owner's rights: the application's role
-- may read the log but not write its tables, so audit_append is the only
-- way in. search_path is pinned so that nothing a caller creates can stand
-- in for the tables or functions it names.
-- An event is never dated before the one it follows: a time given by a
-- caller whose clock is behind the log's is raised to the last event's time,
-- so an event cannot be back-dated through this function.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_append(
    p_at timestamptz, p_rec1 text, p_rec2 text, p_rec3 text,
    p_type text, p_actor bigint, p_preparation bigint, p_payload text)
RETURNS TABLE (event_id bigint, event_at timestamptz, event_prev_hash text, event_hash text)
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
    v_at := COALESCE(p_at, date_trunc('microseconds', clock_timestamp()));
    IF v_last_at IS NOT NULL AND v_at < v_last_at THEN
        v_at := v_last_at;
    END IF;
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

-- The head only moves forward, one step per event added, and always to an
-- event that exists with that hash: it cannot be moved back over a deleted
-- tail, nor pointed at a rewritten one.
-- +goose StatementBegin
CREATE FUNCTION audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF NEW.last_id = OLD.last_id AND NEW.last_hash = OLD.last_hash AND NEW.events = OLD.events THEN
        RETURN NEW;
    END IF;
    IF NEW.last_id <= OLD.last_id
       OR NEW.events - OLD.events <> NEW.last_id - OLD.last_id
       OR NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.id = NEW.last_id AND e.hash = NEW.last_hash) THEN
        RAISE EXCEPTION 'the compounding log is append-only: the chain head moves only forward, to the last event (% -> %)', OLD.last_id, NEW.last_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_head_forward
    BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();

-- +goose Down
DROP TRIGGER audit_head_forward ON audit_head;
DROP FUNCTION audit_head_forward_only();
ALTER FUNCTION audit_append(timestamptz, text, text, text, text, bigint, bigint, text) SECURITY INVOKER RESET search_path;
