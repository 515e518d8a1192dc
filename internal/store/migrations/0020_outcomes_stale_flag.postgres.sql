ALTER TABLE patient_outcomes ADD COLUMN stale BOOLEAN GENERATED ALWAYS AS (computed_gen < gen) STORED;
CREATE INDEX patient_outcomes_stale ON patient_outcomes (clinic_id, patient_id) WHERE stale;
-- The statistics of the new column, which the planner's estimate of the
-- stale rows is made from (autovacuum may be off: store.Optimize).
ANALYZE patient_outcomes;
