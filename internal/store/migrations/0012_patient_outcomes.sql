-- 0012 each patient's outcomes under the clinic's definitions, maintained
-- incrementally (issue 16: the dashboard's relapses and the clinic's
-- analytics at 10,000 patients without reading every journal entry).
-- gen counts the changes of the patient's outcome inputs (patient, journal
-- entries, journal day 1, courses and their plans): every write of them
-- raises it in its own transaction. computed_gen is the gen the stored
-- outcome was computed from, under the definitions of definitions_version
-- (outcome_definitions.version, 0 for the defaults) whose content and the
-- computation's format give definitions_hash; a row is stale when
-- computed_gen < gen or either differs from the clinic's, and is computed
-- again on read. A computed row is written only over one computed from
-- older inputs or definitions, so that server instances sharing one
-- database never put back an older outcome.
--
-- relapsed, relapse_on, relief_days, protocol and booster_json are the
-- dashboard's relapse list (the patient's latest relief period ended in
-- relapse); booster_due is the date of a suggested booster; outcome_json
-- the whole outcome for the analytics (NULL when has_outcome is false: no
-- journal on the day axis).
CREATE TABLE patient_outcomes (
    patient_id          BIGINT PRIMARY KEY REFERENCES patients (id),
    clinic_id           BIGINT NOT NULL REFERENCES clinics (id),
    gen                 BIGINT NOT NULL,
    computed_gen        BIGINT NOT NULL DEFAULT 0,
    definitions_version INTEGER NOT NULL DEFAULT 0,
    definitions_hash    TEXT NOT NULL DEFAULT '',
    has_outcome         BOOLEAN NOT NULL DEFAULT FALSE,
    relapsed            BOOLEAN NOT NULL DEFAULT FALSE,
    relapse_on          DATE,
    relief_days         INTEGER NOT NULL DEFAULT 0,
    protocol            TEXT NOT NULL DEFAULT '',
    booster_due         DATE,
    booster_json        TEXT,
    outcome_json        TEXT
);
-- The dashboard's list: a clinic's relapsed patients, latest relapse first.
CREATE INDEX patient_outcomes_relapses ON patient_outcomes (clinic_id, relapsed, relapse_on);
CREATE INDEX patient_outcomes_by_clinic ON patient_outcomes (clinic_id, patient_id);
-- Every patient there is, stale (computed_gen 0 < gen 1).
INSERT INTO patient_outcomes (patient_id, clinic_id, gen) SELECT id, clinic_id, 1 FROM patients;
