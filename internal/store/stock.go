package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The controlled-substance record (migration 0005, package stock): lots,
// bag preparations and the ledger stock_entries, all append-only (triggers
// refuse UPDATE and DELETE). Stock on hand is each lot's running balance
// (lot_balances, migration 0013), kept by every entry on the lot in the
// transaction that appends it; bag balances are sums over the bag's
// entries.

var _ stock.Service = (*DB)(nil)

// today is the server clock's date in the server's zone (as the journal's
// same-day rule).

// stockClinic is the clinic the actor handles stock for.
func stockClinic(a *clinic.Actor) (int64, error) {
	if a.ClinicID == 0 {
		return 0, clinic.Errorf(clinic.EFORBIDDEN, "Stock belongs to a clinic: act as one of its users.")
	}
	return a.ClinicID, nil
}

// verifyWitness checks a witness's own login and password (argon2id, the
// login's per-account failure limit, every attempt audited) and that they
// may witness an entry of the actor in clinicID. Call it before db.update:
// hashing is slow.
func (db *DB) verifyWitness(ctx context.Context, a *clinic.Actor, clinicID int64, c stock.Credentials) (*stock.Witness, error) {
	if c.Login == "" {
		return nil, clinic.Invalid("witness.login", "a second person witnesses this: they type their own login and password")
	}
	if c.Password == "" {
		return nil, clinic.Invalid("witness.password", "the witness types their own password to show they are present")
	}
	u, err := db.checkPassword(ctx, c.Login, c.Password, a.RemoteAddr)
	switch clinic.ErrorCode(err) {
	case "":
	case clinic.EUNAUTHORIZED:
		return nil, clinic.Invalid("witness.password", "the witness's login or password is wrong (nothing was recorded)")
	case clinic.ERATELIMIT:
		return nil, &clinic.Error{Code: clinic.ERATELIMIT, Field: "witness.login", Message: clinic.ErrorMessage(err)}
	default:
		return nil, err
	}
	w := &stock.Witness{UserID: u.ID, ClinicID: u.ClinicID, Name: u.Name, Login: u.Login, Role: u.Role}
	if err := stock.CheckWitness(a, w, clinicID); err != nil {
		return nil, err
	}
	return w, nil
}

// lotColumns are a lot with its book stock, the running balance of
// lot_balances (migration 0013) that every ledger entry on the lot keeps
// (Tx.addToLot), read FROM lotFrom.
const (
	lotColumns = `l.id, l.clinic_id, l.product, l.drug, l.strength, l.vial_volume_ml, l.lot_number, l.expiry, l.created_at,
	b.on_hand_ml, b.on_hand_mg`
	lotFrom = ` FROM stock_lots l JOIN lot_balances b ON b.lot_id = l.id`
)

func scanLot(row interface{ Scan(...any) error }, extra ...any) (*stock.Lot, error) {
	l := &stock.Lot{}
	var strength, drug string
	var expiry sql.NullTime
	dest := append([]any{&l.ID, &l.ClinicID, &l.Product, &drug, &strength, &l.VialML, &l.LotNumber, &expiry, &l.CreatedAt,
		&l.OnHandML, &l.OnHandMg}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c, err := units.ParseConcentration("strength", strength)
	if err != nil {
		return nil, fmt.Errorf("lot %d strength: %w", l.ID, err)
	}
	l.Strength, l.Drug, l.Expiry = c, infusion.Drug(drug), dateOf(expiry)
	return l, nil
}

// lockLots is the clause that locks the lot_balances rows a query of lots
// read inside a write transaction on PostgreSQL: a draw, a disposal or a
// count decides on the book stock it read, and a second one of the same
// lot waits for the first to commit and then reads its entry's balance
// (SQLite's single writer already does). Every writer locks a lot's row
// before it appends the entry (Tx.insertEntry), so that the lot's entries
// take their IDs in the order they commit.
func (db *DB) lockLots(lock bool) string {
	if lock && db.loc.Engine == Postgres {
		return ` FOR UPDATE OF b`
	}
	return ""
}

// lots returns the clinic's lots with their stock, by expiry (first to
// expire first, as they should be used); lock inside a write transaction
// (lockLots).
func (db *DB) lots(ctx context.Context, q queryer, clinicID int64, inStock, lock bool, ids ...int64) ([]*stock.Lot, error) {
	query, args := `SELECT `+lotColumns+lotFrom+` WHERE l.clinic_id = $1`, []any{clinicID}
	if len(ids) > 0 {
		// Only these lots (a preparation's draws): the others' balances
		// are not needed.
		var ph []string
		for _, id := range ids {
			args = append(args, id)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		query += ` AND l.id IN (` + strings.Join(ph, ", ") + `)`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY l.expiry, l.id`+db.lockLots(lock), args...)
	if err != nil {
		return nil, fmt.Errorf("find lots: %w", err)
	}
	defer rows.Close()
	out := []*stock.Lot{}
	for rows.Next() {
		l, err := scanLot(rows)
		if err != nil {
			return nil, fmt.Errorf("find lots: %w", err)
		}
		if inStock && l.OnHandML <= stock.BalanceTolerance {
			continue
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// FindLots implements stock.Service.
func (db *DB) FindLots(ctx context.Context, f stock.LotFilter) ([]*stock.Lot, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !stock.CanRead(a, a.ClinicID) || a.ClinicID == 0 {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The stock record is for clinic staff.")
	}
	return db.lots(ctx, db.read, a.ClinicID, f.InStock, false)
}

// FindLotByID implements stock.Service.
func (db *DB) FindLotByID(ctx context.Context, id int64) (*stock.Lot, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return db.lotForRead(ctx, db.read, a, id, false)
}

// lotForRead loads lot id if a may read it; lock inside a write
// transaction (lockLots).
func (db *DB) lotForRead(ctx context.Context, q queryer, a *clinic.Actor, id int64, lock bool) (*stock.Lot, error) {
	l, err := scanLot(q.QueryRowContext(ctx, `SELECT `+lotColumns+lotFrom+` WHERE l.id = $1`+db.lockLots(lock), id))
	if err != nil {
		return nil, notFound(err, "find lot", "No such lot.")
	}
	if !stock.CanRead(a, l.ClinicID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such lot.")
	}
	return l, nil
}

// ReceiveStock implements stock.Service.
func (db *DB) ReceiveStock(ctx context.Context, in stock.ReceiptInput) (*stock.Lot, *stock.Entry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	cid, err := stockClinic(a)
	if err != nil {
		return nil, nil, err
	}
	if !stock.CanHandle(a, cid) {
		return nil, nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians receive controlled-substance stock.")
	}
	r, err := in.Parse(db.Today())
	if err != nil {
		return nil, nil, err
	}
	var lot *stock.Lot
	var entry *stock.Entry
	err = db.update(ctx, func(tx *Tx) error {
		l, err := scanLot(tx.QueryRowContext(ctx, `SELECT `+lotColumns+lotFrom+` WHERE l.clinic_id = $1 AND l.product = $2 AND l.lot_number = $3`+db.lockLots(true),
			cid, r.Lot.Product, r.Lot.LotNumber))
		switch {
		case err == sql.ErrNoRows:
			l = &r.Lot
			l.ClinicID, l.CreatedAt = cid, tx.now
			if err := tx.QueryRowContext(ctx, `INSERT INTO stock_lots (clinic_id, product, drug, strength, strength_mg_per_ml, vial_volume_ml, lot_number, expiry, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, cid, l.Product, string(l.Drug), l.Strength.String(), l.MgPerML(),
				l.VialML, l.LotNumber, dateArg(l.Expiry), tx.now).Scan(&l.ID); err != nil {
				return conflict(err, "receive stock", "lot", "This lot was received at the same time; reload.")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO lot_balances (lot_id, clinic_id, on_hand_ml, on_hand_mg, received_ml, drawn_ml, disposed_ml, corrected_ml)
				VALUES ($1, $2, 0, 0, 0, 0, 0, 0)`, l.ID, cid); err != nil {
				return fmt.Errorf("receive stock: balance: %w", err)
			}
			if err := tx.audit(clinic.AuditEntry{ClinicID: cid, Action: clinic.ActionCreate, Entity: "stock_lot", EntityID: l.ID}, nil, l); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("receive stock: %w", err)
		default:
			if l.Drug != r.Lot.Drug || math.Abs(l.MgPerML()-r.Lot.MgPerML()) > 1e-9 || math.Abs(l.VialML-r.Lot.VialML) > 1e-9 || l.Expiry != r.Lot.Expiry {
				return clinic.Invalid("lot", "lot %s of %s is already in stock as %s ketamine %s, %s mL vials, expiry %s: the same lot number cannot differ (check the label)",
					l.LotNumber, l.Product, l.Drug, l.Strength, units.FormatNumber(l.VialML, 6), l.Expiry)
			}
		}
		ml := r.TotalML()
		e := &stock.Entry{ClinicID: cid, Kind: stock.KindReceive, At: tx.now, LotID: l.ID, LotML: ml, LotMg: ml * l.MgPerML(),
			Vials: r.Vials, Supplier: r.Supplier, Reference: r.Reference}
		if err := tx.insertEntry(a, e, nil); err != nil {
			return err
		}
		l.OnHandML += e.LotML
		l.OnHandMg += e.LotMg
		lot, entry = l, e
		return nil
	})
	return lot, entry, err
}

// insertEntry appends e to the ledger with its audit entry.
func (tx *Tx) insertEntry(a *clinic.Actor, e *stock.Entry, w *stock.Witness) error {
	e.ByName, e.RecordedAt = actorName(a), tx.now
	if e.At.IsZero() {
		e.At = tx.now
	}
	var wid sql.NullInt64
	if w != nil {
		wid, e.WitnessName = nullInt(w.UserID), w.Name
	}
	if e.LotID != 0 && tx.db.loc.Engine == Postgres {
		// The lot's row first (lockLots): its entries take their IDs in
		// the order they commit.
		var got int64
		if err := tx.QueryRowContext(tx.ctx, `SELECT lot_id FROM lot_balances WHERE lot_id = $1 FOR UPDATE`, e.LotID).Scan(&got); err != nil {
			return fmt.Errorf("stock entry: lot %d: %w", e.LotID, err)
		}
	}
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO stock_entries (clinic_id, kind, at, lot_id, preparation_id, session_id, patient_id,
		lot_ml, lot_mg, bag_mg, vials, supplier, reference, given_mg, book_ml, counted_ml, reason, corrects_id,
		by_user_id, by_name, witness_id, witness_name, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id`,
		e.ClinicID, string(e.Kind), e.At, nullInt(e.LotID), nullInt(e.PreparationID), nullInt(e.SessionID), nullInt(e.PatientID),
		e.LotML, e.LotMg, e.BagMg, e.Vials, e.Supplier, e.Reference, e.GivenMg, e.BookML, e.CountedML, e.Reason, nullInt(e.CorrectsID),
		nullInt(actorUserID(a)), e.ByName, wid, e.WitnessName, e.RecordedAt).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("stock entry: %w", err)
	}
	if e.LotID != 0 {
		if err := tx.addToLot(e); err != nil {
			return err
		}
	}
	if e.PreparationID != 0 && e.Kind != stock.KindDraw {
		// A waste or a correction of a bag may settle it (or unsettle it).
		if err := tx.settleBag(e.PreparationID); err != nil {
			return err
		}
	}
	return tx.audit(clinic.AuditEntry{ClinicID: e.ClinicID, Action: clinic.ActionCreate, Entity: "stock_entry", EntityID: e.ID,
		PatientID: e.PatientID}, nil, e)
}

// addToLot adds entry e to its lot's running balance (lot_balances): the
// book stock, the sum of its kind, the newest count.
func (tx *Tx) addToLot(e *stock.Entry) error {
	var received, drawn, disposed, corrected float64
	var count sql.NullInt64
	switch e.Kind {
	case stock.KindReceive:
		received = e.LotML
	case stock.KindDraw:
		drawn = e.LotML
	case stock.KindDispose:
		disposed = e.LotML
	case stock.KindCorrection:
		corrected = e.LotML
	case stock.KindCount:
		count = nullInt(e.ID)
	}
	res, err := tx.ExecContext(tx.ctx, `UPDATE lot_balances SET on_hand_ml = on_hand_ml + $2, on_hand_mg = on_hand_mg + $3,
		received_ml = received_ml + $4, drawn_ml = drawn_ml - $5, disposed_ml = disposed_ml - $6, corrected_ml = corrected_ml + $7,
		last_count_id = COALESCE($8, last_count_id)
		WHERE lot_id = $1`, e.LotID, e.LotML, e.LotMg, received, drawn, disposed, corrected, count)
	if err != nil {
		return fmt.Errorf("stock entry: lot %d balance: %w", e.LotID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("stock entry: lot %d: %d balance rows (%v)", e.LotID, n, err)
	}
	return nil
}

const entryColumns = `e.id, e.clinic_id, e.kind, e.at, e.lot_id, e.preparation_id, e.session_id, e.patient_id, e.lot_ml, e.lot_mg, e.bag_mg,
	e.vials, e.supplier, e.reference, e.given_mg, e.book_ml, e.counted_ml, e.reason, e.corrects_id, e.by_name, e.witness_name, e.recorded_at`

func scanEntry(row interface{ Scan(...any) error }, extra ...any) (*stock.Entry, error) {
	e := &stock.Entry{}
	var lot, prep, sess, pat, corr sql.NullInt64
	var given, book, counted sql.NullFloat64
	var kind string
	dest := append([]any{&e.ID, &e.ClinicID, &kind, &e.At, &lot, &prep, &sess, &pat, &e.LotML, &e.LotMg, &e.BagMg,
		&e.Vials, &e.Supplier, &e.Reference, &given, &book, &counted, &e.Reason, &corr, &e.ByName, &e.WitnessName, &e.RecordedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	e.Kind = stock.Kind(kind)
	e.LotID, e.PreparationID, e.SessionID, e.PatientID, e.CorrectsID = lot.Int64, prep.Int64, sess.Int64, pat.Int64, corr.Int64
	f := func(n sql.NullFloat64) *float64 {
		if !n.Valid {
			return nil
		}
		v := n.Float64
		return &v
	}
	e.GivenMg, e.BookML, e.CountedML = f(given), f(book), f(counted)
	return e, nil
}
