-- SQLite part of 0004: intake, diagnosis and screening records are never
-- changed or removed: a correction is a new record.
CREATE TRIGGER body_weights_no_update BEFORE UPDATE ON body_weights
BEGIN
    SELECT RAISE(ABORT, 'body_weights is append-only');
END;
CREATE TRIGGER body_weights_no_delete BEFORE DELETE ON body_weights
BEGIN
    SELECT RAISE(ABORT, 'body_weights is append-only');
END;
CREATE TRIGGER body_heights_no_update BEFORE UPDATE ON body_heights
BEGIN
    SELECT RAISE(ABORT, 'body_heights is append-only');
END;
CREATE TRIGGER body_heights_no_delete BEFORE DELETE ON body_heights
BEGIN
    SELECT RAISE(ABORT, 'body_heights is append-only');
END;
CREATE TRIGGER intakes_no_update BEFORE UPDATE ON intakes
BEGIN
    SELECT RAISE(ABORT, 'intakes is append-only');
END;
CREATE TRIGGER intakes_no_delete BEFORE DELETE ON intakes
BEGIN
    SELECT RAISE(ABORT, 'intakes is append-only');
END;
CREATE TRIGGER crps_diagnoses_no_update BEFORE UPDATE ON crps_diagnoses
BEGIN
    SELECT RAISE(ABORT, 'crps_diagnoses is append-only');
END;
CREATE TRIGGER crps_diagnoses_no_delete BEFORE DELETE ON crps_diagnoses
BEGIN
    SELECT RAISE(ABORT, 'crps_diagnoses is append-only');
END;
CREATE TRIGGER screenings_no_update BEFORE UPDATE ON screenings
BEGIN
    SELECT RAISE(ABORT, 'screenings is append-only');
END;
CREATE TRIGGER screenings_no_delete BEFORE DELETE ON screenings
BEGIN
    SELECT RAISE(ABORT, 'screenings is append-only');
END;
CREATE TRIGGER screening_decisions_no_update BEFORE UPDATE ON screening_decisions
BEGIN
    SELECT RAISE(ABORT, 'screening_decisions is append-only');
END;
CREATE TRIGGER screening_decisions_no_delete BEFORE DELETE ON screening_decisions
BEGIN
    SELECT RAISE(ABORT, 'screening_decisions is append-only');
END;
