-- 0005 controlled-substance stock and accountability, and informed consent
-- (issue 15). Shared by SQLite and PostgreSQL; the triggers that make every
-- table here append-only are in 0005_stock.sqlite.sql and
-- 0005_stock.postgres.sql. A mistake is corrected by a new entry that names
-- the entry it corrects and why (stock_entries.corrects_id, reason).

-- One lot of one product as received: identity, strength and expiry. The
-- quantities are in stock_entries, never here.
CREATE TABLE stock_lots (
    id                 {{ID}},
    clinic_id          BIGINT NOT NULL REFERENCES clinics (id),
    product            TEXT NOT NULL,
    drug               TEXT NOT NULL CHECK (drug IN ('racemic', 's-ketamine')),
    strength           TEXT NOT NULL,
    strength_mg_per_ml DOUBLE PRECISION NOT NULL CHECK (strength_mg_per_ml > 0),
    vial_volume_ml     DOUBLE PRECISION NOT NULL CHECK (vial_volume_ml > 0),
    lot_number         TEXT NOT NULL,
    expiry             DATE NOT NULL,
    created_at         {{TIMESTAMP}} NOT NULL,
    UNIQUE (clinic_id, product, lot_number)
);

-- A bag prepared for an infusion session: the mg added from the draws
-- (stock_entries of kind 'draw'), the diluent and the final volume, by one
-- user and witnessed by another who proved presence with their password.
CREATE TABLE bag_preparations (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    session_id       BIGINT NOT NULL REFERENCES infusion_sessions (id),
    bag_number       INTEGER NOT NULL CHECK (bag_number > 0),
    drug             TEXT NOT NULL,
    mg_added         DOUBLE PRECISION NOT NULL CHECK (mg_added > 0),
    diluent          TEXT NOT NULL,
    final_volume_ml  DOUBLE PRECISION NOT NULL CHECK (final_volume_ml > 0),
    bag              TEXT NOT NULL,
    prepared_by      BIGINT REFERENCES users (id),
    prepared_by_name TEXT NOT NULL,
    witness_id       BIGINT NOT NULL REFERENCES users (id),
    witness_name     TEXT NOT NULL,
    prepared_at      {{TIMESTAMP}} NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    UNIQUE (session_id, bag_number),
    CHECK (prepared_by IS NULL OR prepared_by <> witness_id)
);
CREATE INDEX bag_preparations_by_clinic ON bag_preparations (clinic_id, id);

-- The controlled-substance ledger: one row per movement. lot_ml and lot_mg
-- are the signed change to a lot's stock (receive +, draw −, dispose −,
-- correction ±); bag_mg is the signed change to a prepared bag (draw +,
-- waste −, correction ±). A count changes nothing: it records what was
-- counted (counted_ml) against the book (book_ml) at that moment. A waste
-- keeps the mg the chart had given from the bag (given_mg) when it was
-- wasted.
CREATE TABLE stock_entries (
    id             {{ID}},
    clinic_id      BIGINT NOT NULL REFERENCES clinics (id),
    kind           TEXT NOT NULL CHECK (kind IN ('receive', 'draw', 'waste', 'dispose', 'count', 'correction')),
    at             {{TIMESTAMP}} NOT NULL,
    lot_id         BIGINT REFERENCES stock_lots (id),
    preparation_id BIGINT REFERENCES bag_preparations (id),
    session_id     BIGINT REFERENCES infusion_sessions (id),
    patient_id     BIGINT REFERENCES patients (id),
    lot_ml         DOUBLE PRECISION NOT NULL DEFAULT 0,
    lot_mg         DOUBLE PRECISION NOT NULL DEFAULT 0,
    bag_mg         DOUBLE PRECISION NOT NULL DEFAULT 0,
    vials          INTEGER NOT NULL DEFAULT 0,
    supplier       TEXT NOT NULL DEFAULT '',
    reference      TEXT NOT NULL DEFAULT '',
    given_mg       DOUBLE PRECISION,
    book_ml        DOUBLE PRECISION,
    counted_ml     DOUBLE PRECISION,
    reason         TEXT NOT NULL DEFAULT '',
    corrects_id    BIGINT REFERENCES stock_entries (id),
    by_user_id     BIGINT REFERENCES users (id),
    by_name        TEXT NOT NULL,
    witness_id     BIGINT REFERENCES users (id),
    witness_name   TEXT NOT NULL DEFAULT '',
    recorded_at    {{TIMESTAMP}} NOT NULL,
    CHECK (lot_id IS NOT NULL OR preparation_id IS NOT NULL),
    CHECK (kind <> 'correction' OR (corrects_id IS NOT NULL AND reason <> ''))
);
CREATE INDEX stock_entries_by_lot ON stock_entries (clinic_id, lot_id, id);
CREATE INDEX stock_entries_by_bag ON stock_entries (preparation_id, id);
CREATE INDEX stock_entries_by_time ON stock_entries (clinic_id, at, id);

-- A clinic's consent form: one row per version, never changed; the version
-- in force on a date is the newest whose effective_from is on or before it.
CREATE TABLE consent_forms (
    id              {{ID}},
    clinic_id       BIGINT NOT NULL REFERENCES clinics (id),
    version         TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    effective_from  DATE NOT NULL,
    created_by      BIGINT REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at      {{TIMESTAMP}} NOT NULL,
    UNIQUE (clinic_id, version)
);

-- A patient's consent to one course: signed by the patient (typed name and
-- a ticked statement, in the portal or at the desk) or attested by a
-- clinician, against one form version.
CREATE TABLE course_consents (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    course_id        BIGINT NOT NULL REFERENCES courses (id),
    form_id          BIGINT NOT NULL REFERENCES consent_forms (id),
    method           TEXT NOT NULL CHECK (method IN ('portal', 'desk', 'attestation')),
    signed_name      TEXT NOT NULL,
    statement        TEXT NOT NULL,
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL
);
CREATE INDEX course_consents_by_course ON course_consents (course_id, id);

-- The withdrawal of a consent (at most one per consent).
CREATE TABLE consent_withdrawals (
    id               {{ID}},
    consent_id       BIGINT NOT NULL UNIQUE REFERENCES course_consents (id),
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    course_id        BIGINT NOT NULL REFERENCES courses (id),
    reason           TEXT NOT NULL,
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL
);
