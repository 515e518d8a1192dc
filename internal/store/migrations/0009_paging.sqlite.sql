-- The patient search: a prefix of each expression of store.patientSearchKeys
-- is a range of its index (SQLite compares TEXT in code point order).
CREATE INDEX patients_by_mrn_prefix ON patients (clinic_id, lower(mrn));
CREATE INDEX patients_by_family_prefix ON patients (clinic_id, lower(family_name));
CREATE INDEX patients_by_full_name_prefix ON patients (clinic_id, lower(given_name || ' ' || family_name));
