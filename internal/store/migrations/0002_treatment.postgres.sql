-- PostgreSQL part of 0002: a signed plan version is never changed or
-- removed, and a charted event is never changed or removed (truncation
-- included).
CREATE FUNCTION plan_versions_refuse_signed_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a signed plan version cannot be changed';
END
$$;
CREATE TRIGGER plan_versions_signed_no_change BEFORE UPDATE OR DELETE ON plan_versions
    FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION plan_versions_refuse_signed_change();

CREATE FUNCTION infusion_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'infusion_events is append-only';
END
$$;
CREATE TRIGGER infusion_events_no_change BEFORE UPDATE OR DELETE ON infusion_events
    FOR EACH ROW EXECUTE FUNCTION infusion_events_refuse_change();
CREATE TRIGGER infusion_events_no_truncate BEFORE TRUNCATE ON infusion_events
    FOR EACH STATEMENT EXECUTE FUNCTION infusion_events_refuse_change();
