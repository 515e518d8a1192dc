-- 0013 the running balance of each lot (issue 16): the book stock and the
-- volumes received, drawn, disposed of and corrected, and the newest count,
-- kept by every ledger entry on the lot in the transaction that appends it
-- (store.Tx.addToLot, the lot's row locked FOR UPDATE on PostgreSQL first),
-- instead of summing the lot's whole history on every read of the stock
-- page, a preparation form or the reconciliation. The row is derived from
-- the ledger, which stays append-only (stock_entries' triggers); this table
-- is not. drawn_ml and disposed_ml are what left the lot (the entries'
-- lot_ml negated), received_ml and corrected_ml the signed sums, and
-- on_hand_ml and on_hand_mg the sum of every entry of the lot, as the
-- reconciliation showed them before.
CREATE TABLE lot_balances (
    lot_id        BIGINT PRIMARY KEY REFERENCES stock_lots (id),
    clinic_id     BIGINT NOT NULL REFERENCES clinics (id),
    on_hand_ml    DOUBLE PRECISION NOT NULL,
    on_hand_mg    DOUBLE PRECISION NOT NULL,
    received_ml   DOUBLE PRECISION NOT NULL,
    drawn_ml      DOUBLE PRECISION NOT NULL,
    disposed_ml   DOUBLE PRECISION NOT NULL,
    corrected_ml  DOUBLE PRECISION NOT NULL,
    last_count_id BIGINT REFERENCES stock_entries (id)
);

INSERT INTO lot_balances (lot_id, clinic_id, on_hand_ml, on_hand_mg, received_ml, drawn_ml, disposed_ml, corrected_ml, last_count_id)
SELECT l.id, l.clinic_id,
    COALESCE((SELECT SUM(e.lot_ml) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id), 0),
    COALESCE((SELECT SUM(e.lot_mg) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id), 0),
    COALESCE((SELECT SUM(e.lot_ml) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id AND e.kind = 'receive'), 0),
    0 - COALESCE((SELECT SUM(e.lot_ml) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id AND e.kind = 'draw'), 0),
    0 - COALESCE((SELECT SUM(e.lot_ml) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id AND e.kind = 'dispose'), 0),
    COALESCE((SELECT SUM(e.lot_ml) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id AND e.kind = 'correction'), 0),
    (SELECT MAX(e.id) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id AND e.kind = 'count')
FROM stock_lots l;

-- The corrections that name an entry (the newest count's, for the
-- reconciliation): without it each count's corrections were found by
-- reading the whole ledger.
CREATE INDEX stock_entries_corrections ON stock_entries (corrects_id) WHERE corrects_id IS NOT NULL;
