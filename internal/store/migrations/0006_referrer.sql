-- 0006 the referring doctor of a patient (issue 15, the letter to the
-- referring doctor): name as the letter is addressed, and the practice and
-- postal address, one line per line. Optional; '' when not known.
ALTER TABLE patients ADD COLUMN referring_doctor TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN referring_address TEXT NOT NULL DEFAULT '';
