-- 0002 treatment courses, signed plan versions and infusion session charting
-- (issue 7). Shared by SQLite and PostgreSQL; the triggers that keep signed
-- plans and charted events unchangeable are in 0002_treatment.sqlite.sql and
-- 0002_treatment.postgres.sql.

-- A treatment course of one patient: a protocol given over days or weeks.
-- What is given is in its plan versions.
CREATE TABLE courses (
    id         {{ID}},
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    patient_id BIGINT NOT NULL REFERENCES patients (id),
    title      TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at {{TIMESTAMP}} NOT NULL,
    updated_at {{TIMESTAMP}} NOT NULL
);
CREATE INDEX courses_by_patient ON courses (clinic_id, patient_id, id);

-- One version of a course's plan: what the clinician entered (input_json)
-- and the plan internal/protocol and the dose engine made of it then
-- (plan_json), so that a later change of the protocol library or the drug
-- library never rewrites a plan. A draft may be edited; a signed version is
-- never changed again (triggers refuse it): a change makes a new version.
CREATE TABLE plan_versions (
    id               {{ID}},
    course_id        BIGINT NOT NULL REFERENCES courses (id),
    version          INTEGER NOT NULL,
    protocol_id      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    reason           TEXT NOT NULL DEFAULT '',
    input_json       TEXT NOT NULL,
    plan_json        TEXT NOT NULL,
    created_by       BIGINT REFERENCES users (id),
    created_by_name  TEXT NOT NULL,
    created_at       {{TIMESTAMP}} NOT NULL,
    updated_at       {{TIMESTAMP}} NOT NULL,
    signed_by        BIGINT REFERENCES users (id),
    signed_by_name   TEXT NOT NULL DEFAULT '',
    signed_at        {{TIMESTAMP}},
    UNIQUE (course_id, version)
);

-- One infusion session: the order for one planned day (order_json, the
-- infusion.Order), the alert rules it is charted under (rules_json), and
-- columns derived from its events (phase .. last_event_at), rewritten in the
-- same transaction as each event so that lists need no replay. The events
-- are the record; the derived columns can always be rebuilt from them.
CREATE TABLE infusion_sessions (
    id              {{ID}},
    clinic_id       BIGINT NOT NULL REFERENCES clinics (id),
    patient_id      BIGINT NOT NULL REFERENCES patients (id),
    course_id       BIGINT NOT NULL REFERENCES courses (id),
    plan_version_id BIGINT NOT NULL REFERENCES plan_versions (id),
    day             INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,
    planned_date    DATE,
    session_date    DATE NOT NULL,
    order_json      TEXT NOT NULL,
    rules_json      TEXT NOT NULL,
    opened_by       BIGINT REFERENCES users (id),
    opened_by_name  TEXT NOT NULL,
    opened_at       {{TIMESTAMP}} NOT NULL,
    phase           TEXT NOT NULL,
    event_count     INTEGER NOT NULL DEFAULT 0,
    open_alerts     INTEGER NOT NULL DEFAULT 0,
    last_event_at   {{TIMESTAMP}},
    UNIQUE (course_id, day, attempt)
);
CREATE INDEX infusion_sessions_by_date ON infusion_sessions (clinic_id, session_date);
CREATE INDEX infusion_sessions_open_alerts ON infusion_sessions (clinic_id, open_alerts);

-- The chart: one row per event (infusion.Event as JSON), numbered from 1 in
-- the order recorded. Append-only: triggers refuse UPDATE and DELETE.
CREATE TABLE infusion_events (
    id          {{ID}},
    session_id  BIGINT NOT NULL REFERENCES infusion_sessions (id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          {{TIMESTAMP}} NOT NULL,
    by_user_id  BIGINT REFERENCES users (id),
    by_login    TEXT NOT NULL,
    event_json  TEXT NOT NULL,
    recorded_at {{TIMESTAMP}} NOT NULL,
    UNIQUE (session_id, seq)
);
