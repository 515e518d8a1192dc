-- PostgreSQL part of 0004: intake, diagnosis and screening records are never
-- changed or removed (truncation included): a correction is a new record.
CREATE FUNCTION workup_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER body_weights_no_change BEFORE UPDATE OR DELETE ON body_weights
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER body_weights_no_truncate BEFORE TRUNCATE ON body_weights
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER body_heights_no_change BEFORE UPDATE OR DELETE ON body_heights
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER body_heights_no_truncate BEFORE TRUNCATE ON body_heights
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER intakes_no_change BEFORE UPDATE OR DELETE ON intakes
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER intakes_no_truncate BEFORE TRUNCATE ON intakes
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER crps_diagnoses_no_change BEFORE UPDATE OR DELETE ON crps_diagnoses
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER crps_diagnoses_no_truncate BEFORE TRUNCATE ON crps_diagnoses
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER screenings_no_change BEFORE UPDATE OR DELETE ON screenings
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER screenings_no_truncate BEFORE TRUNCATE ON screenings
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER screening_decisions_no_change BEFORE UPDATE OR DELETE ON screening_decisions
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_change();
CREATE TRIGGER screening_decisions_no_truncate BEFORE TRUNCATE ON screening_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_change();
