-- 0010 the clinic's sessions paged by key (issue 16): newest session date
-- first, then highest ID, after (session_date, id) < cursor. With id in the
-- index the page is one index range read backwards on both engines: on
-- PostgreSQL (clinic_id, session_date) alone gave an incremental sort of the
-- first page and a sequential scan and sort of a page after a key (plans in
-- the issue's closing note). SQLite keeps rowid (= id) in every index, so the
-- new index holds what the old one did; it replaces it.
CREATE INDEX infusion_sessions_by_date_id ON infusion_sessions (clinic_id, session_date, id);
DROP INDEX infusion_sessions_by_date;
