-- Who had a hand in a preparation, and the pharmacists' checks of it.

-- name: checks-hands
-- Everyone who performed a step of a preparation, with the first thing
-- they did: a claim (from the log, $2 is its event type), a scan (accepted
-- or refused), a weight, witnessing a typed scan or weight, a tare, a step marked done, a photo, a label
-- printed (issued by a person or sent to a printer; label 1, issued with
-- completion, has the format ''), completing it, or making it on paper
-- during downtime.
SELECT DISTINCT ON (user_id) user_id, what FROM (
    SELECT actor_id AS user_id, 'claimed it' AS what, at FROM audit_events
    WHERE preparation_id = $1 AND type = $2 AND actor_id IS NOT NULL
    UNION ALL SELECT user_id, 'scanned a component', at FROM scans WHERE preparation_id = $1
    UNION ALL SELECT user_id, 'recorded a weight', at FROM weights WHERE preparation_id = $1
    UNION ALL SELECT witness_id, 'witnessed a typed entry', at FROM scans
    WHERE preparation_id = $1 AND witness_id IS NOT NULL
    UNION ALL SELECT witness_id, 'witnessed a typed entry', at FROM weights
    WHERE preparation_id = $1 AND witness_id IS NOT NULL
    UNION ALL SELECT user_id, 'tared the balance', at FROM balance_tares WHERE preparation_id = $1
    UNION ALL SELECT user_id, 'marked a step done', at FROM step_marks WHERE preparation_id = $1
    UNION ALL SELECT user_id, 'took a photo', at FROM photos WHERE preparation_id = $1
    UNION ALL SELECT printed_by, 'printed its label', printed_at FROM labels
    WHERE preparation_id = $1 AND format <> ''
    UNION ALL SELECT requested_by, 'printed its label', created_at FROM print_jobs WHERE preparation_id = $1
    UNION ALL SELECT prepared_by, 'completed it', completed_at FROM preparations
    WHERE id = $1 AND prepared_by IS NOT NULL
    UNION ALL SELECT made_by, 'made it during downtime', recorded_at FROM downtime_records WHERE preparation_id = $1
) h
ORDER BY user_id, at;

-- name: checks-approvals
-- The approvals of a preparation, oldest first: one, or two where the
-- site requires an independent double check.
SELECT v.pharmacist_id AS user_id,
       CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.username END AS user_name, v.reason, v.at
FROM verifications v JOIN users u ON u.id = v.pharmacist_id
WHERE v.preparation_id = $1 AND v.decision = 'approve'
ORDER BY v.id;
