-- 0017 the sessions with open alerts, for the dashboard (issue 16). The
-- dashboard's every 30-second refresh lists them newest first (open_alerts
-- > 0 ORDER BY session_date DESC, id DESC). Through the index (clinic_id,
-- open_alerts) the planner could not tell that almost no session has an
-- open alert (its statistics count rows per value, and every finished
-- session has 0), so it walked the clinic's date index instead: every
-- session the clinic ever had, 95,171 at N=10,000 patients, for none. This
-- partial index holds only the sessions with an open alert, in the order
-- the dashboard lists them, on both engines.
CREATE INDEX infusion_sessions_alerting ON infusion_sessions (clinic_id, session_date, id) WHERE open_alerts > 0;
DROP INDEX infusion_sessions_open_alerts;
