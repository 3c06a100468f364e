-- name: audit-enqueue
-- audit_enqueue queues the event in the caller's transaction; it is
-- chained by audit-seal after that transaction commits. The transaction
-- then commits without waiting for its own WAL flush: its caller answers
-- only after the seal, whose commit comes later in the WAL and is flushed
-- before the seal returns, and a flush writes everything before it. So
-- one flush, the seal's, makes a whole group of changes durable, and none
-- is answered before it is.
-- $1 at (NULL: the database clock), $2 the canonical record up to "at",
-- $3 from "payload" up to prev_hash's value, $4 the rest of the record,
-- $5 type, $6 actor_id, $7 preparation_id, $8 payload text.
SELECT audit_enqueue($1, $2, $3, $4, $5, $6, $7, $8),
       set_config('synchronous_commit', 'off', true);

-- name: audit-seal
-- audit_seal_pending (migration 00023) chains every committed queued event
-- under the chain head's lock: the next id, the time, the hash, the head
-- moved once. It returns how many it chained. Its commit always waits for
-- the WAL flush (whatever the server's setting), which also makes durable
-- the changes it seals: they committed without waiting (audit-enqueue).
SELECT audit_seal_pending() FROM (SELECT set_config('synchronous_commit', 'on', true)) AS durable;

-- name: audit-head
SELECT last_id, last_hash, events FROM audit_head WHERE singleton = true;

-- name: audit-chain
SELECT id, type, actor_id, at, preparation_id, payload_text, prev_hash, hash
FROM audit_events ORDER BY id;

-- name: audit-list
-- Filters, order and limit are appended in Go (see List).
-- A preparation's event also carries what the preparation is (drug and
-- dose ordered) and for whom, so that each line of the log reads alone.
SELECT e.id, e.type, e.actor_id, COALESCE(u.username, '') AS actor, e.at,
       e.preparation_id, e.payload_text, e.prev_hash, e.hash,
       COALESCE(o.drug, ''), COALESCE(o.dose_value::text || ' ' || o.dose_unit, ''),
       COALESCE(o.patient_name, ''), COALESCE(o.patient_mrn, '')
FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
LEFT JOIN preparations p ON p.id = e.preparation_id
LEFT JOIN orders o ON o.id = p.order_id

-- name: audit-checkpoint-head
-- The head, the last event's time and the database's clock, in one read.
SELECT h.last_id, h.last_hash, h.events, e.at, clock_timestamp()
FROM audit_head h LEFT JOIN audit_events e ON e.id = h.last_id
WHERE h.singleton;
