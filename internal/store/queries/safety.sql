-- The safety officer's look-ups and the numbers of the dashboard, all
-- aggregated here. Periods are half-open: from $1 inclusive to $2 exclusive.

-- name: safety-lot-preparations
-- A recall: every preparation a lot went into (an accepted scan of it), with
-- its patient, status, and whether it has left the pharmacy. $1 is the lot
-- as printed; case and surrounding spaces are ignored.
SELECT p.id AS preparation_id, p.status, o.drug, o.dose_value::text || ' ' || o.dose_unit AS dose,
       o.patient_name, o.patient_mrn, o.patient_location,
       s.product_id, pv.drug_name || ' ' || pv.strength_text AS product, pv.package_ndc AS ndc,
       s.lot, MIN(s.at) AS scanned_at, COUNT(*) AS containers,
       COALESCE(u.username, '') AS prepared_by, p.released_at, COALESCE(r.username, '') AS released_by, p.bud
FROM scans s
JOIN preparations p ON p.id = s.preparation_id
JOIN orders o ON o.id = p.order_id
LEFT JOIN product_view pv ON pv.id = s.product_id
LEFT JOIN users u ON u.id = COALESCE(p.prepared_by, p.claimed_by)
LEFT JOIN users r ON r.id = p.released_by
WHERE s.accepted AND upper(s.lot) = upper(btrim($1))
GROUP BY p.id, o.id, s.product_id, pv.drug_name, pv.strength_text, pv.package_ndc, s.lot, u.username, r.username
ORDER BY MIN(s.at) DESC, p.id DESC;

-- name: safety-overrides
-- Every pharmacist override of a dose or rate limit in the period.
SELECT ov.id, ov.preparation_id, ov.at, u.username AS pharmacist, ov.reason, ov.holds,
       o.drug, o.dose_value::text || ' ' || o.dose_unit AS dose, o.patient_name, o.patient_mrn, p.status
FROM pharmacist_overrides ov
JOIN users u ON u.id = ov.user_id
JOIN preparations p ON p.id = ov.preparation_id
JOIN orders o ON o.id = p.order_id
WHERE ov.at >= $1 AND ov.at < $2
ORDER BY ov.at DESC, ov.id DESC;

-- name: safety-doses
-- Doses made in the period (finished at the bench, or recorded from paper
-- during downtime), by the technician who made them.
SELECT COALESCE(u.username, '') AS username, COUNT(*) AS n
FROM preparations p
LEFT JOIN downtime_records d ON d.preparation_id = p.id
LEFT JOIN users u ON u.id = COALESCE(d.made_by, p.prepared_by)
WHERE p.completed_at >= $1 AND p.completed_at < $2
GROUP BY 1
ORDER BY 1;

-- name: safety-caught
-- Errors the system or a pharmacist caught in the period, by what was
-- caught (a scan's refusal code, out_of_tolerance for a weight, rejected
-- for a pharmacist's rejection) and by the technician who made the error.
SELECT c.code, COALESCE(u.username, '') AS username, COUNT(*) AS n
FROM (
    SELECT s.refusal_code AS code, s.user_id FROM scans s
    WHERE NOT s.accepted AND s.at >= $1 AND s.at < $2
    UNION ALL
    SELECT 'out_of_tolerance', w.user_id FROM weights w
    WHERE NOT w.pass AND w.at >= $1 AND w.at < $2
    UNION ALL
    SELECT 'rejected', COALESCE(p.prepared_by, p.claimed_by) FROM verifications v
    JOIN preparations p ON p.id = v.preparation_id
    WHERE v.decision = 'reject' AND v.at >= $1 AND v.at < $2
) c
LEFT JOIN users u ON u.id = c.user_id
GROUP BY c.code, u.username
ORDER BY c.code, u.username;

-- name: safety-typed
-- Entries typed in the period rather than read by a device (a scan typed
-- instead of scanned, a weight typed instead of read from a balance), by
-- technician.
SELECT COALESCE(u.username, '') AS username,
       COUNT(*) FILTER (WHERE t.what = 'scan') AS scans,
       COUNT(*) FILTER (WHERE t.what = 'weight') AS weights
FROM (
    SELECT 'scan' AS what, s.user_id FROM scans s
    WHERE s.source = 'typed' AND s.at >= $1 AND s.at < $2
    UNION ALL
    SELECT 'weight', w.user_id FROM weights w
    WHERE w.source = 'typed' AND w.at >= $1 AND w.at < $2
) t
LEFT JOIN users u ON u.id = t.user_id
GROUP BY 1
ORDER BY 1;

-- name: safety-turnaround
-- Time from order to release, by priority, for the doses released in the
-- period: how many, the median and the 90th percentile in whole seconds
-- (percentile_disc: a time one of the doses actually took). A remake
-- counts from its original order.
SELECT o.priority, COUNT(*) AS n,
       round(extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY p.released_at - o.created_at)))::bigint AS median_s,
       round(extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY p.released_at - o.created_at)))::bigint AS p90_s
FROM preparations p
JOIN orders o ON o.id = p.order_id
WHERE p.released_at >= $1 AND p.released_at < $2
GROUP BY o.priority
ORDER BY CASE o.priority WHEN 'stat' THEN 0 WHEN 'first_dose' THEN 1 ELSE 2 END;

-- name: safety-waste
-- Remakes queued and waste recorded in the period: how many doses were
-- wasted, how many containers went with them, and by reason.
SELECT w.reason, COUNT(*) AS doses,
       COALESCE(SUM((SELECT COUNT(*) FROM jsonb_array_elements(w.items) i WHERE i ? 'product_id')), 0)::bigint AS containers,
       COUNT(r.id) AS remakes
FROM waste w
LEFT JOIN preparations r ON r.remake_of = w.preparation_id
WHERE w.at >= $1 AND w.at < $2
GROUP BY w.reason
ORDER BY COUNT(*) DESC, w.reason;
