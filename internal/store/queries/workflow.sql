-- The preparation workflow: recipes, orders, preparations and every step.

-- name: wf-recipe-insert
-- A new version is a draft (the column's default) until approved.
INSERT INTO recipes (drug, version, name, body, created_by, created_at)
VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM recipes WHERE drug = $1), $2, $3, $4, $5)
RETURNING id, version, status;

-- name: wf-recipe-get
SELECT id, drug, version, name, body, created_by, created_at, status, approved_by, approved_at FROM recipes WHERE id = $1;

-- name: wf-recipe-lock
SELECT id, drug, version, name, body, created_by, created_at, status, approved_by, approved_at FROM recipes WHERE id = $1 FOR UPDATE;

-- name: wf-recipe-current
-- The version in force: the newest approved one (a newer draft is not used).
SELECT id, drug, version, name, body, created_by, created_at, status, approved_by, approved_at FROM recipes
WHERE drug = $1 AND status = 'approved' ORDER BY version DESC LIMIT 1;

-- name: wf-recipe-list
SELECT id, drug, version, name, body, created_by, created_at, status, approved_by, approved_at FROM recipes ORDER BY drug, version DESC;

-- name: wf-recipe-approve
UPDATE recipes SET status = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1 AND status = 'draft';

-- name: wf-order-insert
INSERT INTO orders (patient_mrn, patient_name, patient_birth_date, weight_value, weight_unit,
                    height_value, height_unit, patient_location, drug, dose_value, dose_unit, route,
                    diluent, final_volume_value, final_volume_unit, infuse_over, due_at, priority,
                    created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
RETURNING id;

-- name: wf-order-lock
SELECT status FROM orders WHERE id = $1 FOR UPDATE;

-- name: wf-order-cancel
UPDATE orders SET status = 'cancelled', cancelled_by = $2, cancelled_at = $3, cancel_reason = $4 WHERE id = $1;

-- name: wf-prep-insert
INSERT INTO preparations (order_id, remake_of, recipe_id, status, batch_key, worksheet, created_at)
VALUES ($1, $2, $3, $7, $4, $5, $6)
RETURNING id;

-- name: wf-prep-lock
SELECT p.id, p.order_id, p.remake_of, p.recipe_id, p.status, p.version, p.batch_key, p.worksheet,
       p.claimed_by, p.claimed_at, p.started_at, p.prepared_by, p.completed_at, p.verified_by,
       p.verified_at, p.released_by, p.released_at, p.bud_result, p.label_seq, p.created_at,
       o.priority, o.due_at
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.id = $1 FOR UPDATE OF p;

-- name: wf-prep-get
SELECT p.id, p.order_id, p.remake_of, p.recipe_id, p.status, p.version, p.batch_key, p.worksheet,
       p.claimed_by, p.claimed_at, p.started_at, p.prepared_by, p.completed_at, p.verified_by,
       p.verified_at, p.released_by, p.released_at, p.bud_result, p.label_seq, p.created_at,
       o.priority, o.due_at,
       -- A remake carries the reason its predecessor was rejected.
       coalesce((SELECT v.reason FROM verifications v WHERE v.preparation_id = p.remake_of AND v.decision = 'reject'
                 ORDER BY v.id DESC LIMIT 1), '') AS remake_reason
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.id = $1;

-- name: wf-preps-of-order
SELECT id FROM preparations WHERE order_id = $1 ORDER BY id;

-- name: wf-prep-save
-- Saves a preparation's changed fields; the version check makes a lost
-- update impossible even if a caller forgot to lock the row.
UPDATE preparations SET
    status = $3, version = version + 1, claimed_by = $4, claimed_at = $5, started_at = $6,
    prepared_by = $7, completed_at = $8, verified_by = $9, verified_at = $10, released_by = $11,
    released_at = $12, bud = $13, bud_result = $14, label_seq = $15, worksheet = $16
WHERE id = $1 AND version = $2;

-- name: wf-queue
SELECT p.id, p.order_id, p.status, p.batch_key, p.claimed_by, p.prepared_by, p.completed_at, p.remake_of,
       o.due_at, o.priority, o.patient_location AS location,
       coalesce(p.worksheet->'quantities'->'dose'->>'value', '') AS dose,
       coalesce(p.worksheet->'quantities'->'dose'->>'display', '') AS dose_display,
       coalesce(p.worksheet->>'drug_display', o.drug) AS drug,
       coalesce((p.worksheet->>'hazardous')::boolean, false) AS hazardous,
       coalesce(p.worksheet->'high_alert'->>'category', '') AS high_alert,
       coalesce((SELECT v.reason FROM verifications v WHERE v.preparation_id = p.remake_of AND v.decision = 'reject'
                 ORDER BY v.id DESC LIMIT 1), '') AS remake_reason
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.status IN ('needs_pharmacist_override', 'queued', 'in_progress');

-- name: wf-verifications
SELECT p.id, p.order_id, p.status, p.batch_key, p.claimed_by, p.prepared_by, p.completed_at, p.remake_of,
       o.due_at, o.priority, o.patient_location AS location,
       coalesce(p.worksheet->'quantities'->'dose'->>'value', '') AS dose,
       coalesce(p.worksheet->'quantities'->'dose'->>'display', '') AS dose_display,
       coalesce(p.worksheet->>'drug_display', o.drug) AS drug,
       coalesce((p.worksheet->>'hazardous')::boolean, false) AS hazardous,
       coalesce(p.worksheet->'high_alert'->>'category', '') AS high_alert,
       (SELECT v.pharmacist_id FROM verifications v
        WHERE v.preparation_id = p.id AND v.decision = 'approve' ORDER BY v.id LIMIT 1) AS first_check_by
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.status IN ('completed', 'awaiting_second_check')
ORDER BY p.completed_at, p.id;

-- name: wf-scans-of
SELECT id, step_id, user_id, raw_data, accepted, refusal_code, refusal_message, product_id, gtin, lot,
       serial, expires_at, container_id, warning, at, container_no, source, typed_reason, witness_id
FROM scans WHERE preparation_id = $1 ORDER BY id;

-- name: wf-scan-insert
INSERT INTO scans (preparation_id, step_id, user_id, raw_data, accepted, refusal_code, refusal_message,
                   product_id, gtin, lot, serial, expires_at, container_id, warning, at,
                   container_no, source, typed_reason, witness_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
RETURNING id;

-- name: wf-weights-of
SELECT id, step_id, user_id, measured_value, measured_unit, expected_g, deviation_pct, tolerance_pct, pass, at,
       balance_id, balance_raw, source, typed_reason, witness_id
FROM weights WHERE preparation_id = $1 ORDER BY id;

-- name: wf-weight-insert
INSERT INTO weights (preparation_id, step_id, user_id, measured_value, measured_unit, expected_g,
                     deviation_pct, tolerance_pct, pass, at, balance_id, balance_raw, readability_g,
                     source, typed_reason, witness_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING id;

-- name: wf-marks-of
SELECT step_id, user_id, at FROM step_marks WHERE preparation_id = $1 ORDER BY at, step_id;

-- name: wf-mark-insert
INSERT INTO step_marks (preparation_id, step_id, user_id, note, at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (preparation_id, step_id) DO NOTHING;

-- name: wf-photos-of
SELECT step_id, count(*) AS n FROM photos WHERE preparation_id = $1 GROUP BY step_id;

-- name: wf-photo-insert
INSERT INTO photos (preparation_id, step_id, user_id, content_type, data, sha256, at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id;

-- name: wf-container-lock
SELECT id, product_id, container, opened_at, iso5, first_preparation_id
FROM opened_containers WHERE gtin = $1 AND lot = $2 AND serial = $3 FOR UPDATE;

-- name: wf-container-insert
INSERT INTO opened_containers (product_id, gtin, lot, serial, container, opened_at, opened_by, iso5, first_preparation_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8)
ON CONFLICT (gtin, lot, serial) DO NOTHING
RETURNING id;

-- name: wf-containers-of
-- The containers a preparation drew from, with when each was first opened.
SELECT DISTINCT ON (s.product_id, s.lot, s.serial) s.product_id, s.lot, s.serial, s.expires_at,
       c.opened_at, c.container, c.first_preparation_id
FROM scans s LEFT JOIN opened_containers c ON c.id = s.container_id
WHERE s.preparation_id = $1 AND s.accepted
ORDER BY s.product_id, s.lot, s.serial, s.id;

-- name: wf-label-insert
INSERT INTO labels (preparation_id, seq, data, format, printed_by, printed_at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: wf-verification-insert
INSERT INTO verifications (preparation_id, pharmacist_id, decision, reason, at) VALUES ($1, $2, $3, $4, $5);

-- name: wf-waste-insert
INSERT INTO waste (preparation_id, recorded_by, reason, items, at) VALUES ($1, $2, $3, $4, $5);

-- name: wf-remake-insert
INSERT INTO preparations (order_id, remake_of, recipe_id, status, batch_key, worksheet, created_at)
SELECT order_id, id, recipe_id, 'queued', batch_key, worksheet, $2 FROM preparations WHERE id = $1
RETURNING id;

-- name: wf-user-name
SELECT CASE WHEN display_name <> '' THEN display_name ELSE username END FROM users WHERE id = $1;

-- name: wf-idem-claim
INSERT INTO idempotency_keys (user_id, route, key, request_hash) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, route, key) DO NOTHING
RETURNING user_id;

-- name: wf-idem-get
SELECT request_hash, result, refusal FROM idempotency_keys
WHERE user_id = $1 AND route = $2 AND key = $3;

-- name: wf-idem-save
UPDATE idempotency_keys SET result = $4, refusal = $5
WHERE user_id = $1 AND route = $2 AND key = $3;

-- name: wf-catalog-products
SELECT p.id, d.name AS drug, d.tall_man, d.hazard, p.package_ndc, p.dosage_form, p.strength_text,
       p.strength_value, p.strength_unit, p.volume_ml, p.container, p.specific_gravity,
       coalesce((SELECT c.gtin14 FROM product_codes c WHERE c.product_id = p.id
                 ORDER BY (c.kind = 'unit') DESC, c.id LIMIT 1), '') AS gtin
FROM products p JOIN drugs d ON d.id = p.drug_id
WHERE p.active
ORDER BY p.id;

-- name: wf-accepted-scans
SELECT count(*) FROM scans WHERE preparation_id = $1 AND step_id = $2 AND accepted;

-- name: wf-scan-facts
-- What a scan's decision reads once its preparation ($1) is locked, in one
-- round trip: whether it is on hold, how many scans its step ($2) has
-- accepted, its accepted scans of the scanned GTIN ($3; the keys are the
-- scan record's JSON names), and which BUD rule version is in force at
-- the scan's time ($4). Run after the lock, in a statement of its own, so
-- that it sees what a transaction that held the lock before it committed
-- (a hold put by a stopped order, say).
SELECT
    EXISTS (SELECT 1 FROM preparation_holds h WHERE h.preparation_id = $1 AND h.decided_at IS NULL) AS held,
    (SELECT count(*) FROM scans s WHERE s.preparation_id = $1 AND s.step_id = $2 AND s.accepted) AS accepted_in_step,
    coalesce((SELECT json_agg(json_build_object(
                  'id', s.id, 'step_id', s.step_id, 'user_id', s.user_id, 'data', s.raw_data,
                  'accepted', s.accepted, 'code', s.refusal_code, 'message', s.refusal_message,
                  'product_id', s.product_id, 'gtin', s.gtin, 'lot', s.lot, 'serial', s.serial,
                  'expires_at', s.expires_at, 'container_id', s.container_id, 'warning', s.warning,
                  'at', s.at, 'container_no', s.container_no, 'source', s.source,
                  'typed_reason', s.typed_reason, 'witness_id', s.witness_id) ORDER BY s.id)
              FROM scans s WHERE s.preparation_id = $1 AND s.gtin = $3 AND s.accepted), '[]') AS gtin_scans,
    v.id AS bud_rules_id, v.version AS bud_rules_version
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT id, version FROM bud_rule_versions WHERE effective_from <= $4
                   ORDER BY effective_from DESC LIMIT 1) AS v ON true;

-- name: wf-catalog-by-ndc
SELECT product_id FROM product_codes WHERE ndc = $1
UNION
SELECT id FROM products WHERE package_ndc = $1;

-- name: wf-user-id
SELECT id FROM users WHERE username = lower($1);

-- name: wf-photo-list
SELECT id, step_id, at, user_id, content_type, octet_length(data) AS size
FROM photos WHERE preparation_id = $1 ORDER BY at, id;

-- name: wf-photo-get
SELECT content_type, data FROM photos WHERE preparation_id = $1 AND id = $2;

-- name: wf-override-insert
INSERT INTO pharmacist_overrides (preparation_id, user_id, reason, holds, at) VALUES ($1, $2, $3, $4, $5);

-- name: wf-overrides-of
SELECT o.id, o.user_id, CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.username END AS user_name,
       o.reason, o.holds, o.at
FROM pharmacist_overrides o JOIN users u ON u.id = o.user_id
WHERE o.preparation_id = $1 ORDER BY o.id;
