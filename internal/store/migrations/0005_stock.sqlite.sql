-- SQLite part of 0005: stock, bag, ledger and consent rows are never changed
-- or removed: a correction is a new entry.
CREATE TRIGGER stock_lots_no_update BEFORE UPDATE ON stock_lots
BEGIN
    SELECT RAISE(ABORT, 'stock_lots is append-only');
END;
CREATE TRIGGER stock_lots_no_delete BEFORE DELETE ON stock_lots
BEGIN
    SELECT RAISE(ABORT, 'stock_lots is append-only');
END;
CREATE TRIGGER bag_preparations_no_update BEFORE UPDATE ON bag_preparations
BEGIN
    SELECT RAISE(ABORT, 'bag_preparations is append-only');
END;
CREATE TRIGGER bag_preparations_no_delete BEFORE DELETE ON bag_preparations
BEGIN
    SELECT RAISE(ABORT, 'bag_preparations is append-only');
END;
CREATE TRIGGER stock_entries_no_update BEFORE UPDATE ON stock_entries
BEGIN
    SELECT RAISE(ABORT, 'stock_entries is append-only');
END;
CREATE TRIGGER stock_entries_no_delete BEFORE DELETE ON stock_entries
BEGIN
    SELECT RAISE(ABORT, 'stock_entries is append-only');
END;
CREATE TRIGGER consent_forms_no_update BEFORE UPDATE ON consent_forms
BEGIN
    SELECT RAISE(ABORT, 'consent_forms is append-only');
END;
CREATE TRIGGER consent_forms_no_delete BEFORE DELETE ON consent_forms
BEGIN
    SELECT RAISE(ABORT, 'consent_forms is append-only');
END;
CREATE TRIGGER course_consents_no_update BEFORE UPDATE ON course_consents
BEGIN
    SELECT RAISE(ABORT, 'course_consents is append-only');
END;
CREATE TRIGGER course_consents_no_delete BEFORE DELETE ON course_consents
BEGIN
    SELECT RAISE(ABORT, 'course_consents is append-only');
END;
CREATE TRIGGER consent_withdrawals_no_update BEFORE UPDATE ON consent_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'consent_withdrawals is append-only');
END;
CREATE TRIGGER consent_withdrawals_no_delete BEFORE DELETE ON consent_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'consent_withdrawals is append-only');
END;
