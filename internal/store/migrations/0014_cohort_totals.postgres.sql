ALTER TABLE patient_outcomes ADD COLUMN cohort_rows BYTEA;
CREATE TABLE cohort_totals (
    clinic_id BIGINT PRIMARY KEY REFERENCES clinics (id),
    version   BIGINT NOT NULL,
    totals    BYTEA NOT NULL
);
