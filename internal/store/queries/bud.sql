-- name: bud-rule-versions
SELECT id, version, effective_from, rules, created_by, created_at
FROM bud_rule_versions
ORDER BY effective_from;

-- name: bud-rules-by-id
SELECT id, version, effective_from, rules, created_by, created_at
FROM bud_rule_versions WHERE id = $1;

-- name: bud-rules-at
-- The version in force at $1: the latest to start at or before it.
SELECT id, version, effective_from, rules, created_by, created_at
FROM bud_rule_versions
WHERE effective_from <= $1
ORDER BY effective_from DESC
LIMIT 1;

-- name: bud-rules-lock
-- EXCLUSIVE still lets readers compute BUDs, but queues writers, so two
-- admins cannot both add "the latest" version at once.
LOCK TABLE bud_rule_versions IN EXCLUSIVE MODE;

-- name: bud-rules-latest
-- The transaction's clock is read after the lock, so a writer that waited
-- compares against the time it actually writes.
SELECT v.version, v.effective_from, clock_timestamp() AS now
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT version, effective_from FROM bud_rule_versions
    ORDER BY effective_from DESC LIMIT 1
) AS v ON true;

-- name: bud-rules-version-exists
SELECT EXISTS (SELECT 1 FROM bud_rule_versions WHERE version = $1);

-- name: bud-rules-insert
INSERT INTO bud_rule_versions (version, effective_from, rules, created_by)
VALUES ($1, $2, $3, $4)
RETURNING id, created_at;
