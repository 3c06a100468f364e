-- The technician's queue screen reads a window of the queue, never all of
-- it: one page of what to make next, filtered, and short lists of what is
-- waiting for a check, ready to release and rejected.

-- name: wf-queue-window
-- One page of the queue: priority (STAT, first dose, routine), then the
-- earliest due time, then the oldest preparation, as workflow.SortQueue.
-- $1 priority, $2 status, $3 ward ('' for any); $4 leaves out the claims of
-- one technician (shown apart); $5 limit, $6 offset. total counts every
-- match, so the screen can say how many pages there are. The page is cut
-- on the narrow columns first; only its rows read the worksheet.
WITH hits AS (
  SELECT p.id, o.due_at, CASE o.priority WHEN 'stat' THEN 0 WHEN 'first_dose' THEN 1 ELSE 2 END AS rank,
         count(*) OVER () AS total
  FROM preparations p JOIN orders o ON o.id = p.order_id
  WHERE p.status IN ('needs_pharmacist_override', 'queued', 'in_progress')
    AND ($1 = '' OR o.priority = $1)
    AND ($2 = '' OR p.status = $2)
    AND ($3 = '' OR o.patient_location = $3)
    AND p.claimed_by IS DISTINCT FROM $4
  ORDER BY rank, o.due_at, p.id
  LIMIT $5 OFFSET $6)
SELECT p.id, p.order_id, p.status, p.batch_key, p.claimed_by, p.prepared_by, p.completed_at, p.remake_of,
       o.due_at, o.priority, o.patient_location AS location, o.route,
       coalesce(p.worksheet->'quantities'->'dose'->>'value', '') AS dose,
       coalesce(p.worksheet->'quantities'->'dose'->>'display', '') AS dose_display,
       coalesce(p.worksheet->>'drug_display', o.drug) AS drug,
       coalesce(p.worksheet->>'diluent_name', o.diluent) AS diluent,
       coalesce(p.worksheet->'quantities'->'base_volume'->>'value', '') AS final_volume,
       coalesce((p.worksheet->>'hazardous')::boolean, false) AS hazardous,
       coalesce(p.worksheet->'high_alert'->>'category', '') AS high_alert,
       coalesce((SELECT v.reason FROM verifications v WHERE v.preparation_id = p.remake_of AND v.decision = 'reject'
                 ORDER BY v.id DESC LIMIT 1), '') AS remake_reason,
       h.total
FROM hits h JOIN preparations p ON p.id = h.id JOIN orders o ON o.id = p.order_id
ORDER BY h.rank, h.due_at, h.id;

-- name: wf-queue-claimed
-- What one technician holds and has not finished.
SELECT p.id, p.order_id, p.status, p.batch_key, p.claimed_by, p.prepared_by, p.completed_at, p.remake_of,
       o.due_at, o.priority, o.patient_location AS location, o.route,
       coalesce(p.worksheet->'quantities'->'dose'->>'value', '') AS dose,
       coalesce(p.worksheet->'quantities'->'dose'->>'display', '') AS dose_display,
       coalesce(p.worksheet->>'drug_display', o.drug) AS drug,
       coalesce(p.worksheet->>'diluent_name', o.diluent) AS diluent,
       coalesce(p.worksheet->'quantities'->'base_volume'->>'value', '') AS final_volume,
       coalesce((p.worksheet->>'hazardous')::boolean, false) AS hazardous,
       coalesce(p.worksheet->'high_alert'->>'category', '') AS high_alert,
       coalesce((SELECT v.reason FROM verifications v WHERE v.preparation_id = p.remake_of AND v.decision = 'reject'
                 ORDER BY v.id DESC LIMIT 1), '') AS remake_reason,
       0 AS total
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.status = 'in_progress' AND p.claimed_by = $1
ORDER BY CASE o.priority WHEN 'stat' THEN 0 WHEN 'first_dose' THEN 1 ELSE 2 END, o.due_at, p.id;

-- name: wf-queue-after
-- The newest preparations in some statuses ($1) since $2, at most $3:
-- waiting for a check, ready to release, rejected. remade_by is the remake
-- of a rejected one.
SELECT p.id, p.order_id, p.status, p.batch_key, p.claimed_by, p.prepared_by, p.completed_at, p.remake_of,
       o.due_at, o.priority, o.patient_location AS location, o.route,
       coalesce(p.worksheet->'quantities'->'dose'->>'value', '') AS dose,
       coalesce(p.worksheet->'quantities'->'dose'->>'display', '') AS dose_display,
       coalesce(p.worksheet->>'drug_display', o.drug) AS drug,
       coalesce(p.worksheet->>'diluent_name', o.diluent) AS diluent,
       coalesce(p.worksheet->'quantities'->'base_volume'->>'value', '') AS final_volume,
       coalesce((p.worksheet->>'hazardous')::boolean, false) AS hazardous,
       coalesce(p.worksheet->'high_alert'->>'category', '') AS high_alert,
       count(*) OVER () AS total,
       (SELECT r.id FROM preparations r WHERE r.remake_of = p.id ORDER BY r.id DESC LIMIT 1) AS remade_by
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.status = ANY($1::text[]) AND coalesce(p.verified_at, p.completed_at, p.created_at) >= $2
ORDER BY coalesce(p.verified_at, p.completed_at, p.created_at) DESC, p.id DESC
LIMIT $3;

-- name: wf-queue-wards
-- The wards that have something in the queue, for the ward filter.
SELECT DISTINCT o.patient_location
FROM preparations p JOIN orders o ON o.id = p.order_id
WHERE p.status IN ('needs_pharmacist_override', 'queued', 'in_progress')
ORDER BY 1 LIMIT 200;
