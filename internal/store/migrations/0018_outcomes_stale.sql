-- 0018 the stale outcome summaries found by what changed, not by the
-- clinic's size (issue 16). Every dashboard and analytics request refreshes
-- the clinic's stale summaries first (store.StaleOutcomes); its query read
-- every row of the clinic (10,000 at N=10,000) to find the few a journal
-- entry or a course made stale since: 25 % of /dashboard. This partial
-- index holds only the rows whose inputs changed since they were computed
-- (computed_gen < gen: a write of the inputs enters a row, SaveOutcomes
-- takes it out), and patient_outcomes_definitions tells in two index reads
-- — the clinic's lowest and highest (definitions_version,
-- definitions_hash) — whether any row was computed under other
-- definitions than the clinic's (after a change of them every row is
-- stale, and read whole).
CREATE INDEX patient_outcomes_stale ON patient_outcomes (clinic_id, patient_id) WHERE computed_gen < gen;
CREATE INDEX patient_outcomes_definitions ON patient_outcomes (clinic_id, definitions_version, definitions_hash);
