ALTER TABLE patient_outcomes ADD COLUMN stale BOOLEAN GENERATED ALWAYS AS (computed_gen < gen) VIRTUAL;
CREATE INDEX patient_outcomes_stale ON patient_outcomes (clinic_id, patient_id) WHERE stale;
