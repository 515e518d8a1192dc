-- The patient search: a prefix of each expression of store.patientSearchKeys
-- is a range of its index, compared in code point order (COLLATE "C", as
-- store.binary writes the queries) whatever the database's collation.
CREATE INDEX patients_by_mrn_prefix ON patients (clinic_id, (lower(mrn) COLLATE "C"));
CREATE INDEX patients_by_family_prefix ON patients (clinic_id, (lower(family_name) COLLATE "C"));
CREATE INDEX patients_by_full_name_prefix ON patients (clinic_id, (lower(given_name || ' ' || family_name) COLLATE "C"));
