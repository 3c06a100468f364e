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
