-- 0008 login attempts per client address (issue 16, several servers on one
-- database): a counter per address and minute, so the per-address login
-- limit (clinic.LoginAddressLimit) holds across server instances. period is
-- the Unix minute (seconds since 1970 / 60) the attempts fall in; rows older
-- than the previous minute are deleted as new attempts come in.
CREATE TABLE login_attempts (
    remote_addr TEXT NOT NULL,
    period      BIGINT NOT NULL,
    attempts    INTEGER NOT NULL,
    PRIMARY KEY (remote_addr, period)
);
CREATE INDEX login_attempts_by_period ON login_attempts (period);
