-- name: competency-rules-at
SELECT id, version, effective_from, rules, created_by, created_at
FROM competency_rule_versions
WHERE effective_from <= $1
ORDER BY effective_from DESC
LIMIT 1;

-- name: insert-competency-rules
INSERT INTO competency_rule_versions (version, effective_from, rules, created_by)
VALUES ($1, $2, $3, $4);

-- name: insert-competency
INSERT INTO competencies (user_id, kind, result, passed_at, evaluator, note,
                          evidence_name, evidence_type, evidence, recorded_by, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: list-competencies
SELECT id, user_id, kind, result, passed_at, evaluator, note, evidence_name,
       evidence IS NOT NULL AS has_file, recorded_by, recorded_at
FROM competencies WHERE user_id = $1
ORDER BY passed_at DESC, id DESC;

-- name: list-all-competencies
SELECT id, user_id, kind, result, passed_at, evaluator, note, evidence_name,
       evidence IS NOT NULL AS has_file, recorded_by, recorded_at
FROM competencies
ORDER BY user_id, passed_at DESC, id DESC;

-- name: get-competency-evidence
SELECT evidence_name, evidence_type, evidence
FROM competencies WHERE user_id = $1 AND id = $2 AND evidence IS NOT NULL;

-- name: downtime-record-insert
INSERT INTO downtime_records (preparation_id, made_by, recorded_by, recorded_at, record)
VALUES ($1, $2, $3, $4, $5);

-- name: downtime-record-get
SELECT record FROM downtime_records WHERE preparation_id = $1;
