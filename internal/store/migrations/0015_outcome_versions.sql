-- 0015 which outcome summaries changed since a server last read them
-- (issue 16: /analytics at 10,000 patients reads and decodes only the
-- summaries refreshed since its last request, not all of them each time).
-- cohort_totals.summaries_version counts the clinic's refreshes that
-- stored a summary (store.SaveOutcomes, the clinic's row locked), and each
-- row stored gets it in saved_version: a reader that holds the summaries
-- as of version v reads only the rows with saved_version > v. Rows stored
-- before this migration have 0, the version nobody holds.
ALTER TABLE cohort_totals ADD COLUMN summaries_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE patient_outcomes ADD COLUMN saved_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX patient_outcomes_saved ON patient_outcomes (clinic_id, saved_version);
