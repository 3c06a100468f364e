-- name: guard-rule-versions
SELECT id, version, effective_from, rules, created_by, created_at
FROM guard_rule_versions
ORDER BY effective_from;

-- name: guard-rules-at
-- The version in force at $1: the latest to start at or before it.
SELECT id, version, effective_from, rules, created_by, created_at
FROM guard_rule_versions
WHERE effective_from <= $1
ORDER BY effective_from DESC
LIMIT 1;

-- name: guard-rules-lock
LOCK TABLE guard_rule_versions IN EXCLUSIVE MODE;

-- name: guard-rules-latest
SELECT v.version, v.effective_from, clock_timestamp() AS now
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT version, effective_from FROM guard_rule_versions
    ORDER BY effective_from DESC LIMIT 1
) AS v ON true;

-- name: guard-rules-version-exists
SELECT EXISTS (SELECT 1 FROM guard_rule_versions WHERE version = $1);

-- name: guard-rules-insert
INSERT INTO guard_rule_versions (version, effective_from, rules, created_by)
VALUES ($1, $2, $3, $4)
RETURNING id, created_at;

-- name: guard-patient-lock
-- Orders for one patient are checked against each other one at a time, so
-- two orders placed together cannot each miss the other.
SELECT pg_advisory_xact_lock(hashtextextended('laminar.patient-orders:' || $1, 0));

-- name: guard-patient-doses
-- The patient's open orders of a drug (name compared lower-cased with
-- spaces folded) due in ($3, $4), with the dose that the latest of their
-- preparations not cancelled delivers ("2 g").
SELECT o.due_at, d.delivered
FROM orders o
JOIN LATERAL (
    SELECT coalesce(p.worksheet -> 'quantities' -> 'delivered_dose' ->> 'value', '') AS delivered
    FROM preparations p
    WHERE p.order_id = o.id AND p.status <> 'cancelled'
    ORDER BY p.id DESC
    LIMIT 1
) AS d ON true
WHERE o.patient_mrn = $1
  AND o.status = 'open'
  AND lower(regexp_replace(btrim(o.drug), '\s+', ' ', 'g')) = $2
  AND o.due_at > $3 AND o.due_at < $4
ORDER BY o.due_at;
