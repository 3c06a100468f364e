-- name: evidence-policy-at
-- The dose evidence policy in force at $1: the latest to start at or before it.
SELECT id, version, effective_from, policy AS rules, created_by, created_at
FROM dose_evidence_policies
WHERE effective_from <= $1
ORDER BY effective_from DESC
LIMIT 1;

-- name: gravities-of-products
-- The specific gravities on record for the products $1, newest first.
SELECT g.id, g.product_id, g.concentration, g.specific_gravity, g.method, g.source,
       coalesce(g.lot, '') AS lot, g.volume_ml, g.mass1_g, g.mass2_g, g.recorded_by,
       coalesce(CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.username END, '') AS recorded_by_name, g.recorded_at
FROM specific_gravities g
LEFT JOIN users u ON u.id = g.recorded_by
WHERE g.product_id = ANY($1)
ORDER BY g.id DESC;

-- name: gravity-insert
INSERT INTO specific_gravities (product_id, concentration, specific_gravity, method, source, lot,
                                volume_ml, mass1_g, mass2_g, recorded_by, recorded_at)
VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, $9, $10, $11)
RETURNING id;

-- name: evidence-policy-lock
LOCK TABLE dose_evidence_policies IN EXCLUSIVE MODE;

-- name: evidence-policy-latest
SELECT v.version, v.effective_from, clock_timestamp() AS now
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT version, effective_from FROM dose_evidence_policies
    ORDER BY effective_from DESC LIMIT 1
) AS v ON true;

-- name: evidence-policy-version-exists
SELECT EXISTS (SELECT 1 FROM dose_evidence_policies WHERE version = $1);

-- name: evidence-policy-insert
INSERT INTO dose_evidence_policies (version, effective_from, policy, created_by)
VALUES ($1, $2, $3, $4);
