-- Reference pictures of formulary products.

-- name: picture-insert
INSERT INTO product_pictures (product_id, content_type, data, sha256, uploaded_by, uploaded_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: picture-latest
-- The newest picture of each of the given products.
SELECT DISTINCT ON (product_id) product_id, id
FROM product_pictures
WHERE product_id = ANY($1::bigint[])
ORDER BY product_id, id DESC;

-- name: picture-get
SELECT content_type, data FROM product_pictures WHERE product_id = $1 AND id = $2;
