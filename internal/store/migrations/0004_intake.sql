-- 0004 intake, CRPS diagnosis and screening (issue 7). Shared by SQLite and
-- PostgreSQL; the triggers that keep these records append-only are in
-- 0004_intake.sqlite.sql and 0004_intake.postgres.sql.
--
-- Every table here is a history: a save inserts a new row, nothing is
-- updated or deleted, so what was recorded is never lost or altered. Each
-- row keeps what was entered (…_json as the API's types) and, where the
-- domain computes something from it (MME/day, Budapest criteria, subtype,
-- CRPS Severity Score, screening result), the result as computed then, so a
-- later change of a rule never rewrites a past record.

-- Body weight measurements. weight is as written ("154lb", units.BodyWeight);
-- weight_kg is derived. The current weight is the one measured last.
CREATE TABLE body_weights (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    weight           TEXT NOT NULL,
    weight_kg        DOUBLE PRECISION NOT NULL,
    measured_at      {{TIMESTAMP}} NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL
);
CREATE INDEX body_weights_by_patient ON body_weights (patient_id, measured_at, id);

-- Body height measurements, as written ("165cm", "65in"); height_cm derived.
CREATE TABLE body_heights (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    height           TEXT NOT NULL,
    height_cm        DOUBLE PRECISION NOT NULL,
    measured_at      {{TIMESTAMP}} NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL
);
CREATE INDEX body_heights_by_patient ON body_heights (patient_id, measured_at, id);

-- Intake versions: presentation, medications, prior treatments (input_json)
-- and the opioid MME/day summary computed at save (mme_json, with its
-- conversion table named on every figure).
CREATE TABLE intakes (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    version          INTEGER NOT NULL,
    input_json       TEXT NOT NULL,
    mme_json         TEXT NOT NULL,
    weight_id        BIGINT REFERENCES body_weights (id),
    height_id        BIGINT REFERENCES body_heights (id),
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL,
    UNIQUE (patient_id, version)
);

-- CRPS diagnostic evaluations: the crps.Record entered (record_json) and the
-- crps.Diagnosis computed (result_json); the columns after it repeat the
-- headline results for lists.
CREATE TABLE crps_diagnoses (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    intake_id        BIGINT NOT NULL REFERENCES intakes (id),
    assessed_on      DATE NOT NULL,
    record_json      TEXT NOT NULL,
    result_json      TEXT NOT NULL,
    clinical         TEXT NOT NULL,
    research         TEXT NOT NULL,
    crps_type        TEXT NOT NULL,
    css_version      TEXT,
    css_score        INTEGER,
    notes            TEXT NOT NULL DEFAULT '',
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL
);
CREATE INDEX crps_diagnoses_by_patient ON crps_diagnoses (patient_id, id);

-- Screenings: the screening.Input recorded and the screening.Result computed.
CREATE TABLE screenings (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    input_json       TEXT NOT NULL,
    result_json      TEXT NOT NULL,
    status           TEXT NOT NULL,
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL
);
CREATE INDEX screenings_by_patient ON screenings (patient_id, id);

-- A clinician's decision on a screening (screening.Decision, who and when
-- inside) and the result with its overrides applied.
CREATE TABLE screening_decisions (
    id            {{ID}},
    screening_id  BIGINT NOT NULL REFERENCES screenings (id),
    clinic_id     BIGINT NOT NULL REFERENCES clinics (id),
    patient_id    BIGINT NOT NULL REFERENCES patients (id),
    verdict       TEXT NOT NULL,
    status        TEXT NOT NULL,
    decision_json TEXT NOT NULL,
    result_json   TEXT NOT NULL,
    decided_by    BIGINT REFERENCES users (id),
    decided_by_name TEXT NOT NULL,
    decided_at    {{TIMESTAMP}} NOT NULL
);
CREATE INDEX screening_decisions_by_patient ON screening_decisions (patient_id, id);
CREATE INDEX screening_decisions_by_screening ON screening_decisions (screening_id, id);
