-- Formulary: drugs, products and their codes, reconstitution, stability, lots.

-- name: upsert-drug
-- A curated drug: an admin's or the seed's tall-man spelling and hazard win.
INSERT INTO drugs (name, tall_man, hazard, source)
VALUES ($1, $2, $3, 'curated')
ON CONFLICT ((lower(name))) DO UPDATE
SET tall_man = EXCLUDED.tall_man, hazard = EXCLUDED.hazard, source = 'curated', updated_at = now()
RETURNING id;

-- name: list-drugs
SELECT id, name, tall_man, hazard, source FROM drugs ORDER BY lower(name);

-- name: import-drugs
-- Drugs first seen in an NDC Directory import; a known drug is left alone.
INSERT INTO drugs (name, hazard, source)
SELECT u.name, u.hazard, 'fda_ndc'
FROM unnest($1::text[], $2::text[]) AS u (name, hazard)
ON CONFLICT ((lower(name))) DO NOTHING;

-- name: drug-ids-by-name
SELECT id, lower(name) AS name FROM drugs WHERE lower(name) = ANY ($1::text[]);

-- name: insert-product
INSERT INTO products (drug_id, package_ndc, package_ndc10, brand, labeler, dosage_form, strength_text,
    strength_value, strength_unit, reconstituted_volume_ml, volume_ml, container, specific_gravity,
    storage, pack_description, marketing_start, marketing_end, confirmation, note, source, source_ref,
    source_url, active)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
RETURNING id;

-- name: update-product
-- $24 is the product's ID; the parameters are those of insert-product. An
-- admin's edit makes an imported product curated.
UPDATE products SET drug_id = $1, package_ndc = $2, package_ndc10 = $3, brand = $4, labeler = $5,
    dosage_form = $6, strength_text = $7, strength_value = $8, strength_unit = $9,
    reconstituted_volume_ml = $10, volume_ml = $11, container = $12, specific_gravity = $13, storage = $14,
    pack_description = $15, marketing_start = $16, marketing_end = $17, confirmation = $18, note = $19,
    source = $20, source_ref = $21, source_url = $22, active = $23, updated_at = now()
WHERE id = $24
RETURNING id;

-- name: lock-product
SELECT id FROM products WHERE id = $1 FOR UPDATE;

-- name: delete-product-codes
DELETE FROM product_codes WHERE product_id = ANY ($1::bigint[]);

-- name: insert-product-code
INSERT INTO product_codes (product_id, kind, ndc, ndc10, ndc11, gtin14)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: code-owner
SELECT product_id FROM product_codes WHERE ndc10 = $1;

-- name: delete-product-reconstitutions
DELETE FROM product_reconstitutions WHERE product_id = $1;

-- name: insert-product-reconstitution
INSERT INTO product_reconstitutions (product_id, position, diluent, diluent_volume_ml, available_volume_ml,
    concentration, note, source_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: get-product
SELECT * FROM product_view WHERE id = $1;

-- name: product-by-gtin
SELECT v.* FROM product_view v JOIN product_codes c ON c.product_id = v.id WHERE c.gtin14 = $1;

-- name: product-for-scan
-- A scanned product by GTIN ($1) with its codes and reconstitutions (as
-- JSON, in the order product-codes and product-reconstitutions give) and
-- the recorded state of the scanned lot ($2, NULL when never recorded):
-- a scan's lookup in one round trip instead of four.
SELECT v.*,
       coalesce((SELECT json_agg(json_build_object('product_id', pc.product_id, 'kind', pc.kind, 'ndc', pc.ndc,
                                 'ndc10', pc.ndc10, 'ndc11', pc.ndc11, 'gtin14', pc.gtin14) ORDER BY pc.kind = 'unit', pc.id)
                 FROM product_codes pc WHERE pc.product_id = v.id), '[]') AS codes_json,
       coalesce((SELECT json_agg(json_build_object('product_id', r.product_id, 'diluent', r.diluent,
                                 'diluent_volume_ml', r.diluent_volume_ml, 'available_volume_ml', r.available_volume_ml,
                                 'concentration', r.concentration, 'note', r.note, 'source_url', r.source_url) ORDER BY r.position)
                 FROM product_reconstitutions r WHERE r.product_id = v.id), '[]') AS reconstitutions_json,
       (SELECT json_build_object('product_id', l.product_id, 'lot', l.lot, 'status', l.status, 'reason', l.reason,
                                 'changed_by', l.changed_by, 'changed_at', l.changed_at)
        FROM lots l WHERE l.product_id = v.id AND l.lot = $2) AS lot_json
FROM product_view v JOIN product_codes c ON c.product_id = v.id WHERE c.gtin14 = $1
LIMIT 1;

-- name: product-by-ndc10
SELECT v.* FROM product_view v JOIN product_codes c ON c.product_id = v.id WHERE c.ndc10 = $1;

-- name: product-codes
SELECT product_id, kind, ndc, ndc10, ndc11, gtin14
FROM product_codes
WHERE product_id = ANY ($1::bigint[])
ORDER BY product_id, kind = 'unit', id;

-- name: product-reconstitutions
SELECT product_id, diluent, diluent_volume_ml, available_volume_ml, concentration, note, source_url
FROM product_reconstitutions
WHERE product_id = ANY ($1::bigint[])
ORDER BY product_id, position;

-- name: search-products-all
-- $1: include inactive products; $2: limit.
SELECT * FROM product_view
WHERE active OR $1
ORDER BY lower(drug_name), strength_unit, strength_value, volume_ml, package_ndc
LIMIT $2;

-- name: search-products-by-name
-- $1: LIKE pattern (escaped, anywhere); $2: the lower-case text (prefix
-- matches rank first); $3: include inactive; $4: limit.
SELECT * FROM product_view
WHERE (lower(drug_name) LIKE $1 ESCAPE '\' OR lower(tall_man) LIKE $1 ESCAPE '\'
       OR lower(brand) LIKE $1 ESCAPE '\')
  AND (active OR $3)
ORDER BY starts_with(lower(drug_name), $2) DESC, lower(drug_name), strength_unit, strength_value, volume_ml, package_ndc
LIMIT $4;

-- name: search-products-by-ndc10s
-- $1: 10-digit NDCs; $2: include inactive; $3: limit.
SELECT * FROM product_view
WHERE id IN (SELECT product_id FROM product_codes WHERE ndc10 = ANY ($1::text[]))
  AND (active OR $2)
ORDER BY lower(drug_name), package_ndc
LIMIT $3;

-- name: search-products-by-code-prefix
-- $1: digits typed so far, matched against the 10- and 11-digit forms.
SELECT * FROM product_view
WHERE id IN (SELECT product_id FROM product_codes
             WHERE starts_with(ndc10, $1) OR starts_with(ndc11, $1))
  AND (active OR $2)
ORDER BY lower(drug_name), package_ndc
LIMIT $3;

-- name: get-lot
SELECT product_id, lot, status, reason, changed_by, changed_at FROM lots WHERE product_id = $1 AND lot = $2;

-- name: upsert-lot
INSERT INTO lots (product_id, lot, status, reason, changed_by, changed_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (product_id, lot) DO UPDATE
SET status = EXCLUDED.status, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = now()
RETURNING product_id, lot, status, reason, changed_by, changed_at;

-- name: list-lots
SELECT product_id, lot, status, reason, changed_by, changed_at FROM lots WHERE product_id = $1 ORDER BY changed_at DESC, lot;

-- name: insert-stability
INSERT INTO stability (drug_id, presentation, diluent, phase, storage, limit_hours, note, source_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: stability-by-drug
SELECT s.id, s.drug_id, d.name AS drug_name, d.tall_man, d.hazard, s.presentation, s.diluent, s.phase,
       s.storage, s.limit_hours, s.note, s.source_url
FROM stability s JOIN drugs d ON d.id = s.drug_id
WHERE s.drug_id = $1
ORDER BY s.presentation, s.phase, s.storage, s.id;

-- name: import-products
-- One batch of an NDC Directory import. Empty strings stand for NULL
-- numbers and dates. A package NDC that a curated product holds is left
-- alone: the WHERE of the update skips it and it is not returned.
INSERT INTO products (drug_id, package_ndc, package_ndc10, brand, labeler, dosage_form, strength_text,
    strength_value, strength_unit, reconstituted_volume_ml, volume_ml, container, pack_description,
    marketing_start, marketing_end, note, source_ref, active, confirmation, source_url, source)
SELECT u.drug_id, u.package_ndc, u.package_ndc10, u.brand, u.labeler, u.dosage_form, u.strength_text,
    NULLIF(u.strength_value, '')::numeric, u.strength_unit, NULLIF(u.recon_ml, '')::numeric,
    NULLIF(u.volume_ml, '')::numeric, u.container, u.pack_description,
    NULLIF(u.mstart, '')::date, NULLIF(u.mend, '')::date, u.note, u.source_ref, u.active,
    u.confirmation, u.source_url, 'fda_ndc'
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
            $14::text[], $15::text[], $16::text[], $17::text[], $18::boolean[], $19::text[], $20::text[])
     AS u (drug_id, package_ndc, package_ndc10, brand, labeler, dosage_form, strength_text,
           strength_value, strength_unit, recon_ml, volume_ml, container, pack_description,
           mstart, mend, note, source_ref, active, confirmation, source_url)
ON CONFLICT (package_ndc10) DO UPDATE
SET drug_id = EXCLUDED.drug_id, package_ndc = EXCLUDED.package_ndc, brand = EXCLUDED.brand,
    labeler = EXCLUDED.labeler, dosage_form = EXCLUDED.dosage_form, strength_text = EXCLUDED.strength_text,
    strength_value = EXCLUDED.strength_value, strength_unit = EXCLUDED.strength_unit,
    reconstituted_volume_ml = EXCLUDED.reconstituted_volume_ml, volume_ml = EXCLUDED.volume_ml,
    container = EXCLUDED.container, pack_description = EXCLUDED.pack_description,
    marketing_start = EXCLUDED.marketing_start, marketing_end = EXCLUDED.marketing_end,
    note = EXCLUDED.note, source_ref = EXCLUDED.source_ref, active = EXCLUDED.active,
    confirmation = EXCLUDED.confirmation, source_url = EXCLUDED.source_url, updated_at = now()
WHERE products.source = 'fda_ndc'
RETURNING id, package_ndc10, (xmax = 0) AS inserted;

-- name: curated-codes
-- Which of these 10-digit NDCs a curated product holds (as package or unit).
SELECT c.ndc10 FROM product_codes c JOIN products p ON p.id = c.product_id
WHERE p.source = 'curated' AND c.ndc10 = ANY ($1::text[]);

-- name: import-codes
-- A code another product already holds (a curated product's unit NDC) is skipped.
INSERT INTO product_codes (product_id, kind, ndc, ndc10, ndc11, gtin14)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
ON CONFLICT DO NOTHING;

-- name: delete-stability-by-drug
DELETE FROM stability WHERE drug_id = $1;
