-- +goose Up
-- The formulary: drugs, the products (package NDCs) stocked, every NDC/GTIN
-- a scanner may read on them, reconstitution directions, stability limits,
-- and the recall/quarantine state of lots. Clinical numbers are numeric,
-- never floating point.

CREATE TABLE drugs (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    tall_man   text NOT NULL DEFAULT '',
    -- NIOSH list table; '' = not on the list (or not yet reviewed, see source).
    hazard     text NOT NULL DEFAULT '' CHECK (hazard IN ('', 'niosh_table1', 'niosh_table2')),
    -- 'curated' (entered or reviewed by the pharmacy) or 'fda_ndc' (created
    -- by an NDC Directory import, hazard status not reviewed).
    source     text NOT NULL DEFAULT 'curated' CHECK (source IN ('curated', 'fda_ndc')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One drug per generic name, whatever the case; formulations that share a
-- generic name (protein-bound paclitaxel) carry a distinguishing name.
CREATE UNIQUE INDEX drugs_name_key ON drugs (lower(name));

CREATE TABLE products (
    id                     bigserial PRIMARY KEY,
    drug_id                bigint NOT NULL REFERENCES drugs (id),
    -- The package NDC as printed (hyphenated) and its 10 digits.
    package_ndc            text NOT NULL,
    package_ndc10          text NOT NULL UNIQUE CHECK (package_ndc10 ~ '^[0-9]{10}$'),
    brand                  text NOT NULL DEFAULT '',
    labeler                text NOT NULL,
    dosage_form            text NOT NULL,
    strength_text          text NOT NULL DEFAULT '',
    -- Concentration for a liquid, total amount for a powder; NULL for a
    -- vehicle without an active ingredient (sterile water).
    strength_value         numeric CHECK (strength_value > 0),
    strength_unit          text NOT NULL DEFAULT '',
    -- A powder's listing denominator ("3.375 g/15 mL"): NOT a concentration.
    reconstituted_volume_ml numeric CHECK (reconstituted_volume_ml > 0),
    volume_ml              numeric CHECK (volume_ml > 0),
    container              text NOT NULL DEFAULT ''
        CHECK (container IN ('', 'single_dose', 'multiple_dose', 'pharmacy_bulk', 'ampule', 'bag')),
    -- NULL when unknown: never assume 1.
    specific_gravity       numeric CHECK (specific_gravity > 0),
    storage                text NOT NULL DEFAULT '',
    pack_description       text NOT NULL DEFAULT '',
    marketing_start        date,
    marketing_end          date,
    confirmation           text NOT NULL DEFAULT '',
    note                   text NOT NULL DEFAULT '',
    source                 text NOT NULL DEFAULT 'curated' CHECK (source IN ('curated', 'fda_ndc')),
    source_ref             text NOT NULL DEFAULT '',
    source_url             text NOT NULL DEFAULT '',
    active                 boolean NOT NULL DEFAULT true,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_drug_idx ON products (drug_id);

-- Every code that identifies a product: its package NDC and the unit-of-use
-- NDCs printed on the vials inside. Both resolve to the same product.
CREATE TABLE product_codes (
    id         bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('package', 'unit')),
    ndc        text NOT NULL,
    ndc10      text NOT NULL UNIQUE CHECK (ndc10 ~ '^[0-9]{10}$'),
    ndc11      text NOT NULL CHECK (ndc11 ~ '^[0-9]{11}$'),
    gtin14     text NOT NULL UNIQUE CHECK (gtin14 ~ '^[0-9]{14}$')
);
CREATE INDEX product_codes_product_idx ON product_codes (product_id);

-- Reconstitution directions of a powder (a product may list several, e.g.
-- two concentrations for a pharmacy bulk vial).
CREATE TABLE product_reconstitutions (
    id                  bigserial PRIMARY KEY,
    product_id          bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position            int NOT NULL,
    diluent             text NOT NULL,
    diluent_volume_ml   numeric NOT NULL CHECK (diluent_volume_ml > 0),
    available_volume_ml numeric CHECK (available_volume_ml > 0),
    -- Displacement is derived, never entered: available − diluent volume.
    displacement_ml     numeric GENERATED ALWAYS AS (available_volume_ml - diluent_volume_ml) STORED,
    concentration       text NOT NULL DEFAULT '',
    note                text NOT NULL DEFAULT '',
    source_url          text NOT NULL DEFAULT '',
    UNIQUE (product_id, position)
);

-- Stability limits by drug, presentation, diluent and storage. A NULL
-- limit means the source gives no usable hold time (the note says why);
-- it is never filled in by guess.
CREATE TABLE stability (
    id           bigserial PRIMARY KEY,
    drug_id      bigint NOT NULL REFERENCES drugs (id),
    presentation text NOT NULL DEFAULT '',
    diluent      text NOT NULL DEFAULT '',
    phase        text NOT NULL CHECK (phase IN ('reconstituted', 'diluted')),
    storage      text NOT NULL CHECK (storage IN ('room', 'refrigerator', 'freezer', '')),
    limit_hours  numeric CHECK (limit_hours >= 0),
    note         text NOT NULL DEFAULT '',
    source_url   text NOT NULL DEFAULT ''
);
CREATE INDEX stability_drug_idx ON stability (drug_id);

-- Lots whose status was set by a person: a lot not listed here is fine.
-- The audit log records each change; this row is the current state.
CREATE TABLE lots (
    id         bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    lot        text NOT NULL CHECK (lot <> ''),
    status     text NOT NULL CHECK (status IN ('ok', 'recalled', 'quarantined')),
    reason     text NOT NULL DEFAULT '',
    changed_by bigint REFERENCES users (id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, lot)
);

-- A product with its drug, as every product query reads it.
CREATE VIEW product_view AS
SELECT p.id, p.drug_id, d.name AS drug_name, d.tall_man, d.hazard, d.source AS drug_source,
       p.package_ndc, p.package_ndc10, p.brand, p.labeler, p.dosage_form, p.strength_text,
       p.strength_value, p.strength_unit, p.reconstituted_volume_ml, p.volume_ml, p.container,
       p.specific_gravity, p.storage, p.pack_description, p.marketing_start, p.marketing_end,
       p.confirmation, p.note, p.source, p.source_ref, p.source_url, p.active, p.created_at, p.updated_at
FROM products p
JOIN drugs d ON d.id = p.drug_id;

-- +goose Down
DROP VIEW product_view;
DROP TABLE lots;
DROP TABLE stability;
DROP TABLE product_reconstitutions;
DROP TABLE product_codes;
DROP TABLE products;
DROP TABLE drugs;
