-- +goose Up
-- The log is sealed in groups after the changes commit, no longer inside
-- each commit. Until now a deferred trigger chained each transaction's
-- events at its commit and so held the chain head through that commit's
-- WAL flush: every change that logged anything committed one after
-- another. Now a transaction only queues its events in audit_pending and
-- commits (concurrent commits share their flushes); then the server calls
-- audit_seal_pending(), which chains every committed queued event at once,
-- in queue order, in one short transaction with one flush. The server
-- acknowledges a change only after a seal that began after its commit has
-- finished, so an acknowledged change still has its events in the chain;
-- events of a server that stopped between its commit and the seal are
-- chained by the next seal of any server.
DROP TRIGGER audit_pending_seal ON audit_pending;
DROP FUNCTION audit_seal();

-- The transaction that queued the event: a seal keeps one transaction's
-- events together, in the order they were queued.
ALTER TABLE audit_pending ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();

-- The time of an event is the time it was queued (or the one its caller
-- gave), so that a seal that runs late does not move it. PL/pgSQL keeps
-- the insert's plan between calls (an SQL function with a SET clause is
-- planned anew on every call, and every change calls this).
DROP FUNCTION audit_enqueue(timestamptz, text, text, text, text, bigint, bigint, text);
-- +goose StatementBegin
CREATE FUNCTION audit_enqueue(
    p_at timestamptz, p_rec1 text, p_rec2 text, p_rec3 text,
    p_type text, p_actor bigint, p_preparation bigint, p_payload text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO audit_pending (at, rec1, rec2, rec3, type, actor_id, preparation_id, payload_text)
    VALUES (COALESCE(p_at, date_trunc('microseconds', clock_timestamp())),
            p_rec1, p_rec2, p_rec3, p_type, p_actor, p_preparation, p_payload);
END;
$$;
-- +goose StatementEnd

-- audit_seal_pending chains every queued event that has committed and
-- returns how many. Sealers take turns on an advisory lock, which writes
-- nothing: a seal that finds the queue empty (another one took its events)
-- ends without writing, so it costs no WAL flush. The head row is locked
-- as before, so nothing else can move it meanwhile. Each event gets the
-- next id, a time no earlier than the event before it, and its hash over
-- the record audit_append has always hashed, so the chain verifies as one.
-- +goose StatementBegin
CREATE FUNCTION audit_seal_pending() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    r         audit_pending;
    v_id      bigint;
    v_prev    text;
    v_at      timestamptz;
    v_last_at timestamptz;
    v_hash    text;
    v_n       integer := 0;
    v_seqs    bigint[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(7411420230001);
    IF NOT EXISTS (SELECT 1 FROM audit_pending) THEN
        RETURN 0;
    END IF;
    SELECT h.last_id, h.last_hash INTO v_id, v_prev
    FROM audit_head h WHERE h.singleton FOR UPDATE;
    SELECT e.at INTO v_last_at FROM audit_events e WHERE e.id = v_id;
    -- The statement's snapshot holds only committed events; one queued
    -- later waits for the next seal. Transactions are taken in the order
    -- of their first event.
    FOR r IN SELECT p.* FROM audit_pending p
             ORDER BY min(p.seq) OVER (PARTITION BY p.xact), p.seq LOOP
        v_id := v_id + 1;
        v_at := r.at;
        IF v_last_at IS NOT NULL AND v_at < v_last_at THEN
            v_at := v_last_at;
        END IF;
        v_hash := encode(sha256(convert_to(
            r.rec1 || to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            || '","id":' || v_id::text || r.rec2 || v_prev || r.rec3, 'UTF8')), 'hex');
        INSERT INTO audit_events (id, type, actor_id, at, preparation_id, payload_text, prev_hash, hash)
        VALUES (v_id, r.type, r.actor_id, v_at, r.preparation_id, r.payload_text, v_prev, v_hash);
        v_prev := v_hash;
        v_last_at := v_at;
        v_n := v_n + 1;
        v_seqs := v_seqs || r.seq;
    END LOOP;
    IF v_n > 0 THEN
        DELETE FROM audit_pending WHERE seq = ANY (v_seqs);
        UPDATE audit_head h SET last_id = v_id, last_hash = v_prev, events = h.events + v_n
        WHERE h.singleton;
    END IF;
    RETURN v_n;
END;
$$;
-- +goose StatementEnd

-- +goose Down
SELECT audit_seal_pending();
DROP FUNCTION audit_seal_pending();
ALTER TABLE audit_pending DROP COLUMN xact;
DROP FUNCTION audit_enqueue(timestamptz, text, text, text, text, bigint, bigint, text);
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
