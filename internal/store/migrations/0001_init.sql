-- 0001 the foundation: clinics, patients, users, sessions, the audit log.
-- Shared by SQLite and PostgreSQL; {{ID}} and {{TIMESTAMP}} are the only
-- dialect tokens (store/engine.go). Engine-only statements (the triggers that
-- keep the audit log append-only) are in 0001_init.sqlite.sql and
-- 0001_init.postgres.sql.

CREATE TABLE clinics (
    id         {{ID}},
    name       TEXT NOT NULL,
    created_at {{TIMESTAMP}} NOT NULL
);

CREATE TABLE patients (
    id          {{ID}},
    clinic_id   BIGINT NOT NULL REFERENCES clinics (id),
    mrn         TEXT NOT NULL,
    given_name  TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date  DATE NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    created_at  {{TIMESTAMP}} NOT NULL,
    updated_at  {{TIMESTAMP}} NOT NULL,
    UNIQUE (clinic_id, mrn)
);
CREATE INDEX patients_by_name ON patients (clinic_id, family_name, given_name);

CREATE TABLE users (
    id            {{ID}},
    clinic_id     BIGINT NOT NULL REFERENCES clinics (id),
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'nurse', 'patient')),
    patient_id    BIGINT REFERENCES patients (id),
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT NOT NULL,
    created_at    {{TIMESTAMP}} NOT NULL,
    updated_at    {{TIMESTAMP}} NOT NULL
);
CREATE INDEX users_by_clinic ON users (clinic_id, name);

-- A session row holds the SHA-256 of the client's token, never the token.
CREATE TABLE sessions (
    id          {{ID}},
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  {{TIMESTAMP}} NOT NULL,
    expires_at  {{TIMESTAMP}} NOT NULL,
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Append-only: rows are inserted in the same transaction as the change they
-- record; triggers refuse UPDATE and DELETE. No foreign keys, so that the log
-- outlives anything it mentions.
CREATE TABLE audit_log (
    id          {{ID}},
    at          {{TIMESTAMP}} NOT NULL,
    clinic_id   BIGINT,
    actor_id    BIGINT,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   BIGINT,
    patient_id  BIGINT,
    before_json TEXT,
    after_json  TEXT,
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_clinic ON audit_log (clinic_id, id);
CREATE INDEX audit_by_patient ON audit_log (patient_id, id);
CREATE INDEX audit_by_login ON audit_log (actor_login, action, at);
