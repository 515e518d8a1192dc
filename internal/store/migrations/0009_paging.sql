-- 0009 keyset pages and prefix search of patients, filtered pages of the
-- audit log (issue 16: every list at 10,000 patients). The query plans that
-- justify each index are in the issue's closing note.
--
-- The patients page reads (clinic_id, family_name, given_name, id) > key in
-- that order, LIMIT n: with id in the index it is one index range, without a
-- sort, whatever the page.
DROP INDEX patients_by_name;
CREATE INDEX patients_by_name_id ON patients (clinic_id, family_name, given_name, id);
-- The audit page filtered by record type or action, newest first: without
-- these, a rare entity (e.g. 'user') walks audit_by_clinic backwards through
-- every entry of the clinic.
CREATE INDEX audit_by_entity ON audit_log (clinic_id, entity, id);
CREATE INDEX audit_by_action ON audit_log (clinic_id, action, id);
-- A patient's sessions, newest first (the patient's and course pages, the
-- analytics): without it, every session of the clinic is read.
CREATE INDEX infusion_sessions_by_patient ON infusion_sessions (patient_id, session_date, id);
-- The courses page, newest first: courses_by_patient (clinic_id,
-- patient_id, id) gives no order by id across patients.
CREATE INDEX courses_by_clinic ON courses (clinic_id, id);
