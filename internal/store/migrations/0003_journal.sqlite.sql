-- SQLite part of 0003.

-- The journal's version history refuses changes.
CREATE TRIGGER journal_entry_versions_no_update BEFORE UPDATE ON journal_entry_versions
BEGIN
    SELECT RAISE(ABORT, 'journal_entry_versions is append-only');
END;
CREATE TRIGGER journal_entry_versions_no_delete BEFORE DELETE ON journal_entry_versions
BEGIN
    SELECT RAISE(ABORT, 'journal_entry_versions is append-only');
END;

-- Each patient's journal on the day axis packed in one row (store/series.go
-- describes the layout): rewritten in the same transaction as every change
-- to the patient's journal_entries, so that a cohort report reads one row
-- per patient instead of one per day. It can always be rebuilt from
-- journal_entries.
CREATE TABLE journal_series (
    patient_id BIGINT PRIMARY KEY REFERENCES patients (id),
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    days       INTEGER NOT NULL,
    packed     BLOB NOT NULL
);
CREATE INDEX journal_series_by_clinic ON journal_series (clinic_id);
