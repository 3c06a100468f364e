-- name: create-session
INSERT INTO sessions (token_hash, user_id, tablet, idle_seconds, remote_addr, created_at, last_seen)
VALUES ($1, $2, $3, $4, $5, $6, $6)
RETURNING id, user_id, tablet, idle_seconds, remote_addr, created_at, last_seen, ended_at;

-- name: get-session-by-token
-- One query per authenticated request: the session with its user's
-- current roles and state, so a role change or deactivation applies at once.
SELECT s.id, s.user_id, s.tablet, s.idle_seconds, s.remote_addr, s.created_at, s.last_seen, s.ended_at,
       u.username, u.roles, u.active
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1;

-- name: touch-session
UPDATE sessions SET last_seen = $2 WHERE id = $1 AND last_seen < $2 AND ended_at IS NULL;

-- name: end-session
UPDATE sessions SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL
RETURNING user_id;

-- name: end-user-sessions
UPDATE sessions SET ended_at = $2, end_reason = $3 WHERE user_id = $1 AND ended_at IS NULL;

-- name: throttle-attempt
-- One more attempt on key $1 at $2, unless it already has $4 attempts in
-- its window of $3 seconds (no row then); an ended window starts afresh.
-- locked_until is when the window ends: housekeeping keeps the row till then.
INSERT INTO login_throttle AS t (key, failures, window_start, locked_until)
VALUES ($1, 1, $2::timestamptz, $2::timestamptz + $3::bigint * interval '1 second')
ON CONFLICT (key) DO UPDATE SET
    failures     = CASE WHEN t.window_start <= $2::timestamptz - $3::bigint * interval '1 second' THEN 1 ELSE t.failures + 1 END,
    window_start = CASE WHEN t.window_start <= $2::timestamptz - $3::bigint * interval '1 second' THEN $2::timestamptz ELSE t.window_start END,
    locked_until = CASE WHEN t.window_start <= $2::timestamptz - $3::bigint * interval '1 second' THEN $2::timestamptz ELSE t.window_start END
                   + $3::bigint * interval '1 second'
WHERE t.window_start <= $2::timestamptz - $3::bigint * interval '1 second' OR t.failures < $4::int
RETURNING failures;

-- name: throttle-window
SELECT window_start FROM login_throttle WHERE key = $1;

-- name: throttle-release
UPDATE login_throttle SET failures = failures - 1 WHERE key = ANY($1) AND failures > 0;
