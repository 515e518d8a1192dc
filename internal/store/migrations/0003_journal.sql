-- 0003 the patient journal, functional measures and outcome definitions
-- (issue 8). Shared by SQLite and PostgreSQL; the append-only triggers of
-- the journal's version history and the packed journal series (a BLOB in
-- SQLite, a BYTEA in PostgreSQL) are in 0003_journal.sqlite.sql and
-- 0003_journal.postgres.sql.

-- The calendar date of a patient's journal day 1: the first infusion day
-- (Goldberg et al. 2005, seed 003_55ad5919aae10607.txt: the entry is made
-- each day before the infusion, so the day-1 entry is the baseline). Set by
-- staff; a change renumbers the patient's journal days.
CREATE TABLE journal_day1 (
    patient_id BIGINT PRIMARY KEY REFERENCES patients (id),
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    day1       DATE NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at {{TIMESTAMP}} NOT NULL
);

-- One journal entry per patient per day, as it stands now (earlier versions
-- are in journal_entry_versions). entry_date is the calendar day the entry
-- is for; day is the journal day (1 = first infusion day). An entry made in
-- the portal has a date, and its day is known once journal_day1 is set; an
-- entry imported from a study journal CSV has a day, and its date is known
-- once journal_day1 is set. source says which of the two was entered and so
-- is authoritative when day 1 moves.
--
-- Journal values are hundredths of their scale (pain 7.5/10 is 750), as
-- internal/outcomes.Score holds them; NULL is a missing value.
CREATE TABLE journal_entries (
    id             {{ID}},
    clinic_id      BIGINT NOT NULL REFERENCES clinics (id),
    patient_id     BIGINT NOT NULL REFERENCES patients (id),
    entry_date     DATE,
    day            INTEGER,
    source         TEXT NOT NULL CHECK (source IN ('patient', 'staff', 'import')),
    version        INTEGER NOT NULL,
    pain_now       SMALLINT CHECK (pain_now BETWEEN 0 AND 1000),
    pain_worst     SMALLINT CHECK (pain_worst BETWEEN 0 AND 1000),
    pain_least     SMALLINT CHECK (pain_least BETWEEN 0 AND 1000),
    pain_24h       SMALLINT CHECK (pain_24h BETWEEN 0 AND 1000),
    affective      SMALLINT CHECK (affective BETWEEN 0 AND 400),
    burning        SMALLINT CHECK (burning BETWEEN 0 AND 400),
    aching         SMALLINT CHECK (aching BETWEEN 0 AND 400),
    punishing      SMALLINT CHECK (punishing BETWEEN 0 AND 400),
    movement       SMALLINT CHECK (movement BETWEEN 0 AND 1000),
    relief_pct     SMALLINT CHECK (relief_pct BETWEEN 0 AND 10000),
    -- Hours slept, in hundredths of an hour.
    sleep_hours    SMALLINT CHECK (sleep_hours BETWEEN 0 AND 2400),
    -- PHQ-9 (Kroenke et al., J Gen Intern Med 2001;16:606-13): nine items
    -- 0-3 and the difficulty question 0-3; all NULL when not answered.
    phq9_items     TEXT,
    phq9_difficulty SMALLINT CHECK (phq9_difficulty BETWEEN 0 AND 3),
    -- The opioids taken that day (JSON list of internal/opioid.Regimen) and
    -- their total MME/day under the named table, as internal/opioid
    -- computed it when the entry was saved.
    opioids_json   TEXT NOT NULL DEFAULT '[]',
    mme_per_day    DOUBLE PRECISION,
    mme_table      TEXT NOT NULL DEFAULT '',
    mme_complete   BOOLEAN NOT NULL DEFAULT TRUE,
    note           TEXT NOT NULL DEFAULT '',
    created_by     BIGINT REFERENCES users (id),
    created_at     {{TIMESTAMP}} NOT NULL,
    updated_by     BIGINT REFERENCES users (id),
    updated_by_name TEXT NOT NULL DEFAULT '',
    updated_at     {{TIMESTAMP}} NOT NULL,
    CHECK (entry_date IS NOT NULL OR day IS NOT NULL),
    UNIQUE (patient_id, entry_date),
    UNIQUE (patient_id, day)
);
CREATE INDEX journal_entries_by_clinic ON journal_entries (clinic_id, patient_id);

-- Every earlier version of a journal entry, kept when the entry is changed
-- (on its own day only). Append-only: triggers refuse UPDATE and DELETE.
CREATE TABLE journal_entry_versions (
    id            {{ID}},
    entry_id      BIGINT NOT NULL REFERENCES journal_entries (id),
    patient_id    BIGINT NOT NULL,
    version       INTEGER NOT NULL,
    entry_json    TEXT NOT NULL,
    replaced_by   BIGINT REFERENCES users (id),
    replaced_at   {{TIMESTAMP}} NOT NULL,
    UNIQUE (entry_id, version)
);

-- Functional measures recorded by staff (Dworkin et al., seed
-- 000_54b676c875befc41.txt, Table 1: LCI /56, TUG in seconds, 2-minute walk
-- in feet), and range of motion. value is the number as entered, in unit as
-- entered; a wrong entry is marked entered in error with a reason, never
-- changed or deleted.
CREATE TABLE functional_measures (
    id               {{ID}},
    clinic_id        BIGINT NOT NULL REFERENCES clinics (id),
    patient_id       BIGINT NOT NULL REFERENCES patients (id),
    kind             TEXT NOT NULL CHECK (kind IN ('tug', 'walk_2min', 'lci', 'rom')),
    measured_on      DATE NOT NULL,
    value            TEXT NOT NULL,
    unit             TEXT NOT NULL,
    site             TEXT NOT NULL DEFAULT '',
    aid              TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    recorded_by      BIGINT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at      {{TIMESTAMP}} NOT NULL,
    in_error         BOOLEAN NOT NULL DEFAULT FALSE,
    in_error_reason  TEXT NOT NULL DEFAULT '',
    in_error_by      BIGINT REFERENCES users (id),
    in_error_at      {{TIMESTAMP}}
);
CREATE INDEX functional_measures_by_patient ON functional_measures (patient_id, measured_on);

-- A clinic's outcome definitions (internal/outcomes.Definitions as JSON);
-- a clinic without a row uses outcomes.DefaultDefinitions. Every change is
-- in the audit log with before and after.
CREATE TABLE outcome_definitions (
    clinic_id        BIGINT PRIMARY KEY REFERENCES clinics (id),
    definitions_json TEXT NOT NULL,
    version          INTEGER NOT NULL,
    updated_by       BIGINT REFERENCES users (id),
    updated_at       {{TIMESTAMP}} NOT NULL
);
