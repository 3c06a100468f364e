-- name: create-user
INSERT INTO users (username, display_name, roles, password_hash, badge, pin_hash, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at;

-- name: get-user
SELECT id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at
FROM users WHERE id = $1;

-- name: get-user-for-update
SELECT id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at
FROM users WHERE id = $1 FOR UPDATE;

-- name: get-user-by-username
SELECT id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at
FROM users WHERE username = $1;

-- name: get-user-by-badge
SELECT id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at
FROM users WHERE badge = $1;

-- name: list-users
SELECT id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at
FROM users ORDER BY username;

-- name: set-user-roles
UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1
RETURNING id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at;

-- name: set-user-password
UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1
RETURNING id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at;

-- name: set-user-pin
UPDATE users SET badge = COALESCE($2, badge), pin_hash = $3, updated_at = $4 WHERE id = $1
RETURNING id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at;

-- name: deactivate-user
UPDATE users SET active = false, deactivated_at = $2, updated_at = $2 WHERE id = $1
RETURNING id, username, display_name, roles, password_hash, badge, pin_hash, active, created_at, updated_at, deactivated_at;

-- name: common-hash-cost
-- The cost segment ("m=...,t=...,p=...") most active accounts' password
-- ($1 false) or PIN ($1 true) hashes carry, for the stand-in check of a
-- login naming nobody.
SELECT split_part(h, '$', 4) AS cost
FROM (SELECT CASE WHEN $1 THEN pin_hash ELSE password_hash END AS h FROM users WHERE active) u
WHERE h IS NOT NULL
GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1;
