-- Interfaces with the hospital's systems: inbox, external orders, patients,
-- drug code map, outbox and API keys.

-- name: inbox-insert
INSERT INTO interface_inbox (channel, sender, control_id, message_type, body, status, received_at)
VALUES ($1, $2, $3, $4, $5, 'received', $6)
ON CONFLICT (channel, sender, control_id) WHERE control_id <> '' AND status <> 'rejected' DO NOTHING
RETURNING id;

-- name: inbox-insert-rejected
INSERT INTO interface_inbox (channel, sender, control_id, message_type, body, status, ack_code, ack,
    error_code, error_field, error_message, received_at, attempts)
VALUES ($1, $2, $3, $4, $5, 'rejected', 'AR', $6, $7, $8, $9, $10, 1)
RETURNING id;

-- name: inbox-by-key
SELECT * FROM interface_inbox WHERE channel = $1 AND sender = $2 AND control_id = $3 AND status <> 'rejected';

-- name: inbox-get
SELECT * FROM interface_inbox WHERE id = $1;

-- name: inbox-finish
UPDATE interface_inbox
SET status = $2, ack_code = $3, ack = $4, error_code = $5, error_field = $6, error_message = $7,
    order_id = COALESCE($8, order_id), applied_at = $9, attempts = attempts + 1
WHERE id = $1;

-- name: inbox-replayed
UPDATE interface_inbox SET replayed_by = $2, replayed_at = $3 WHERE id = $1;

-- name: inbox-pending
SELECT id FROM interface_inbox WHERE status = 'received' ORDER BY id LIMIT $1;

-- name: inbox-counts
SELECT status, count(*) AS n FROM interface_inbox GROUP BY status;

-- name: external-order-latest
SELECT sender, placer, version, order_id, state, inbox_id, created_at
FROM external_orders WHERE sender = $1 AND placer = $2 AND inbox_id IS DISTINCT FROM $3
ORDER BY version DESC LIMIT 1;

-- name: first-preparation-of-order
SELECT id FROM preparations WHERE order_id = $1 ORDER BY id LIMIT 1;

-- name: external-order-by-order
SELECT sender, placer, version, order_id, state, inbox_id, created_at
FROM external_orders WHERE order_id = $1;

-- name: external-order-insert
INSERT INTO external_orders (sender, placer, version, order_id, state, inbox_id, created_at)
VALUES ($1, $2, $3, $4, 'active', $5, $6)
ON CONFLICT DO NOTHING;

-- name: external-order-state
UPDATE external_orders SET state = $2 WHERE order_id = $1;

-- name: patient-upsert
INSERT INTO interface_patients (mrn, name, birth_date, weight_value, weight_unit, height_value, height_unit, location, discharged, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (mrn) DO UPDATE SET
    name = COALESCE(NULLIF(EXCLUDED.name, ''), interface_patients.name),
    birth_date = COALESCE(EXCLUDED.birth_date, interface_patients.birth_date),
    weight_value = COALESCE(EXCLUDED.weight_value, interface_patients.weight_value),
    weight_unit = COALESCE(EXCLUDED.weight_unit, interface_patients.weight_unit),
    height_value = COALESCE(EXCLUDED.height_value, interface_patients.height_value),
    height_unit = COALESCE(EXCLUDED.height_unit, interface_patients.height_unit),
    location = COALESCE(NULLIF(EXCLUDED.location, ''), interface_patients.location),
    discharged = EXCLUDED.discharged,
    updated_at = EXCLUDED.updated_at;

-- name: patient-get
SELECT mrn, name, birth_date, weight_value, weight_unit, height_value, height_unit, location, discharged
FROM interface_patients WHERE mrn = $1;

-- name: orders-open-of-patient
SELECT id FROM orders WHERE patient_mrn = $1 AND status = 'open' ORDER BY id;

-- name: orders-set-location
UPDATE orders SET patient_location = $2 WHERE patient_mrn = $1 AND status = 'open' AND $2 <> '';

-- name: code-map-get
SELECT system, code, drug, note, updated_at FROM drug_code_map
WHERE code = $2 AND system IN ($1, '') ORDER BY system DESC LIMIT 1;

-- name: code-map-list
SELECT system, code, drug, note, updated_at FROM drug_code_map ORDER BY system, code;

-- name: code-map-put
INSERT INTO drug_code_map (system, code, drug, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (system, code) DO UPDATE SET drug = EXCLUDED.drug, note = EXCLUDED.note,
    updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at;

-- name: code-map-delete
DELETE FROM drug_code_map WHERE system = $1 AND code = $2;

-- name: recipe-drugs
SELECT DISTINCT drug FROM recipes;

-- name: formulary-drug-names
SELECT lower(name) FROM drugs;

-- name: outbox-insert
INSERT INTO interface_outbox (kind, preparation_id, destination, control_id, body, next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (control_id) DO NOTHING;

-- name: outbox-due
SELECT id, kind, preparation_id, destination, control_id, body, status, attempts, next_attempt_at, last_error, ack_code, created_at, sent_at
FROM interface_outbox WHERE status = 'pending' AND next_attempt_at <= $1
ORDER BY next_attempt_at, id LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: outbox-sent
UPDATE interface_outbox SET status = 'sent', sent_at = $2, ack_code = $3, attempts = attempts + 1, last_error = '' WHERE id = $1;

-- name: outbox-retry
UPDATE interface_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, ack_code = $4,
    status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END
WHERE id = $1;

-- name: outbox-list
SELECT id, kind, preparation_id, destination, control_id, body, status, attempts, next_attempt_at, last_error, ack_code, created_at, sent_at
FROM interface_outbox ORDER BY id DESC LIMIT $1;

-- name: outbox-requeue
UPDATE interface_outbox SET status = 'pending', next_attempt_at = $2 WHERE id = $1 AND status = 'failed';

-- name: apikey-insert
INSERT INTO api_keys (user_id, name, prefix, key_hash, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: apikey-list
SELECT k.id, k.user_id, u.username, k.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at
FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.id;

-- name: apikey-revoke
UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL;

-- name: apikey-by-hash
SELECT k.id, k.user_id, u.username, u.roles, u.active, k.last_used_at
FROM api_keys k JOIN users u ON u.id = k.user_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL;

-- name: apikey-touch
UPDATE api_keys SET last_used_at = $2 WHERE id = $1;

-- name: dispensed-of-patient
SELECT p.id AS preparation_id, p.order_id, p.status, p.released_at, o.patient_mrn, o.patient_name,
       o.patient_birth_date, o.patient_location, o.drug, o.dose_value, o.dose_unit, o.route,
       o.final_volume_value, o.final_volume_unit, COALESCE(e.placer, '') AS placer, COALESCE(e.sender, '') AS sender
FROM preparations p JOIN orders o ON o.id = p.order_id
LEFT JOIN external_orders e ON e.order_id = o.id
WHERE o.patient_mrn = $1 AND p.status = 'released'
ORDER BY p.released_at, p.id;

-- name: order-get
SELECT id, patient_mrn, patient_name, patient_birth_date, weight_value, weight_unit, height_value, height_unit,
       patient_location, drug, dose_value, dose_unit, route, diluent, final_volume_value, final_volume_unit,
       infuse_over, due_at, priority, status, created_at
FROM orders WHERE id = $1;

-- name: dispensed-of-preparation
SELECT p.id AS preparation_id, p.order_id, p.status, p.released_at, o.patient_mrn, o.patient_name,
       o.patient_birth_date, o.patient_location, o.drug, o.dose_value, o.dose_unit, o.route,
       o.final_volume_value, o.final_volume_unit, COALESCE(e.placer, '') AS placer, COALESCE(e.sender, '') AS sender
FROM preparations p JOIN orders o ON o.id = p.order_id
LEFT JOIN external_orders e ON e.order_id = o.id
WHERE p.id = $1;

-- name: hold-open
SELECT id, preparation_id, kind, reason, inbox_id, replacement_id, created_at, decision, decided_by, decided_at, decision_reason
FROM preparation_holds WHERE preparation_id = $1 AND decided_at IS NULL;

-- name: hold-insert
INSERT INTO preparation_holds (preparation_id, kind, reason, replacement_id, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (preparation_id) WHERE decided_at IS NULL DO NOTHING;

-- name: hold-decide
UPDATE preparation_holds SET decision = $2, decided_by = $3, decided_at = $4, decision_reason = $5
WHERE id = $1 AND decided_at IS NULL;

-- name: holds-open-list
SELECT h.id, h.preparation_id, h.kind, h.reason, h.inbox_id, h.replacement_id, h.created_at, h.decision, h.decided_by,
       h.decided_at, h.decision_reason
FROM preparation_holds h WHERE h.decided_at IS NULL ORDER BY h.created_at, h.id;

-- name: order-held
SELECT EXISTS (SELECT 1 FROM preparation_holds h JOIN preparations p ON p.id = h.preparation_id
               WHERE p.order_id = $1 AND h.decided_at IS NULL);
