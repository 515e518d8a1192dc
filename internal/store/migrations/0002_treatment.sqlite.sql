-- SQLite part of 0002: a signed plan version is never changed or removed,
-- and a charted event is never changed or removed.
CREATE TRIGGER plan_versions_signed_no_update BEFORE UPDATE ON plan_versions
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed plan version cannot be changed');
END;
CREATE TRIGGER plan_versions_signed_no_delete BEFORE DELETE ON plan_versions
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed plan version cannot be removed');
END;
CREATE TRIGGER infusion_events_no_update BEFORE UPDATE ON infusion_events
BEGIN
    SELECT RAISE(ABORT, 'infusion_events is append-only');
END;
CREATE TRIGGER infusion_events_no_delete BEFORE DELETE ON infusion_events
BEGIN
    SELECT RAISE(ABORT, 'infusion_events is append-only');
END;
