-- name: get-meta
SELECT value FROM site_meta WHERE key = $1;

-- name: set-meta
INSERT INTO site_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now();
