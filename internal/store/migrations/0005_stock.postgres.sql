-- PostgreSQL part of 0005: stock, bag, ledger and consent rows are never
-- changed or removed (truncation included): a correction is a new entry.
CREATE FUNCTION stock_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER stock_lots_no_change BEFORE UPDATE OR DELETE ON stock_lots
    FOR EACH ROW EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER stock_lots_no_truncate BEFORE TRUNCATE ON stock_lots
    FOR EACH STATEMENT EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER bag_preparations_no_change BEFORE UPDATE OR DELETE ON bag_preparations
    FOR EACH ROW EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER bag_preparations_no_truncate BEFORE TRUNCATE ON bag_preparations
    FOR EACH STATEMENT EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER stock_entries_no_change BEFORE UPDATE OR DELETE ON stock_entries
    FOR EACH ROW EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER stock_entries_no_truncate BEFORE TRUNCATE ON stock_entries
    FOR EACH STATEMENT EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER consent_forms_no_change BEFORE UPDATE OR DELETE ON consent_forms
    FOR EACH ROW EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER consent_forms_no_truncate BEFORE TRUNCATE ON consent_forms
    FOR EACH STATEMENT EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER course_consents_no_change BEFORE UPDATE OR DELETE ON course_consents
    FOR EACH ROW EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER course_consents_no_truncate BEFORE TRUNCATE ON course_consents
    FOR EACH STATEMENT EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER consent_withdrawals_no_change BEFORE UPDATE OR DELETE ON consent_withdrawals
    FOR EACH ROW EXECUTE FUNCTION stock_refuse_change();
CREATE TRIGGER consent_withdrawals_no_truncate BEFORE TRUNCATE ON consent_withdrawals
    FOR EACH STATEMENT EXECUTE FUNCTION stock_refuse_change();
