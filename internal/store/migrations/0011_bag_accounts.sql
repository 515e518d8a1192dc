-- 0011 the account of each prepared bag (issue 16): whether its end was
-- wasted and whether it is settled, i.e. wasted and drawn − given − wasted ±
-- corrections within stock.BalanceTolerance (1e-6 mg) of zero, the given
-- being the chart's at the waste (stock_entries.given_mg). The reconciliation
-- reads only the bags not settled (bag_accounts_unsettled) instead of
-- testing every bag of the clinic's history against its entries. A bag whose
-- session stopped stays unsettled until its waste is recorded (0 mL for an
-- empty bag: stock.FlagNotWasted), so a stop changes nothing here; a waste
-- or a correction of a bag recomputes its row in the same transaction
-- (store.settleBag, the same expression as below). The row is derived from
-- the ledger, which stays append-only; this table is not.
CREATE TABLE bag_accounts (
    preparation_id BIGINT PRIMARY KEY REFERENCES bag_preparations (id),
    clinic_id      BIGINT NOT NULL REFERENCES clinics (id),
    session_id     BIGINT NOT NULL REFERENCES infusion_sessions (id),
    wasted         BOOLEAN NOT NULL,
    settled        BOOLEAN NOT NULL
);
CREATE INDEX bag_accounts_unsettled ON bag_accounts (clinic_id, preparation_id) WHERE NOT settled;

INSERT INTO bag_accounts (preparation_id, clinic_id, session_id, wasted, settled)
SELECT p.id, p.clinic_id, p.session_id,
    EXISTS (SELECT 1 FROM stock_entries w WHERE w.preparation_id = p.id AND w.kind = 'waste'),
    COALESCE(EXISTS (SELECT 1 FROM stock_entries w WHERE w.preparation_id = p.id AND w.kind = 'waste')
        AND ABS((SELECT SUM(b.bag_mg) FROM stock_entries b WHERE b.preparation_id = p.id)
            - (SELECT MAX(w.given_mg) FROM stock_entries w WHERE w.preparation_id = p.id AND w.kind = 'waste')) <= 0.000001, FALSE)
FROM bag_preparations p;
