package store

import (
	"context"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Bag preparations, their draws and their waste (stock.Service), and the
// gate charting passes through: consent before check-in, a matching
// preparation before the pump starts.

const prepColumns = `p.id, p.clinic_id, p.patient_id, p.session_id, p.bag_number, p.drug, p.mg_added, p.diluent, p.final_volume_ml, p.bag,
	p.prepared_by_name, p.witness_name, p.prepared_at, p.note`

func scanPreparation(row interface{ Scan(...any) error }) (*stock.Preparation, error) {
	p := &stock.Preparation{Draws: []stock.Entry{}, Wastes: []stock.Entry{}, Corrections: []stock.Entry{}}
	var drug, bag string
	if err := row.Scan(&p.ID, &p.ClinicID, &p.PatientID, &p.SessionID, &p.BagNumber, &drug, &p.MgAdded, &p.Diluent, &p.FinalVolumeML, &bag,
		&p.PreparedByName, &p.WitnessName, &p.PreparedAt, &p.Note); err != nil {
		return nil, err
	}
	c, err := units.ParseConcentration("bag", bag)
	if err != nil {
		return nil, fmt.Errorf("preparation %d bag: %w", p.ID, err)
	}
	p.Drug, p.Bag = infusion.Drug(drug), c
	return p, nil
}

// preparations returns the bags matching cond (on p.) with their entries.
func (db *DB) preparations(ctx context.Context, q queryer, cond string, args ...any) ([]*stock.Preparation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+prepColumns+` FROM bag_preparations p WHERE `+cond+` ORDER BY p.session_id, p.bag_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("find preparations: %w", err)
	}
	var out []*stock.Preparation
	byID := map[int64]*stock.Preparation{}
	for rows.Next() {
		p, err := scanPreparation(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find preparations: %w", err)
		}
		out = append(out, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find preparations: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	rows, err = q.QueryContext(ctx, `SELECT `+entryColumns+` FROM stock_entries e WHERE e.preparation_id IN (SELECT p.id FROM bag_preparations p WHERE `+cond+`) ORDER BY e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find preparations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("find preparations: %w", err)
		}
		p := byID[e.PreparationID]
		switch e.Kind {
		case stock.KindDraw:
			p.Draws = append(p.Draws, *e)
		case stock.KindWaste:
			p.Wastes = append(p.Wastes, *e)
		case stock.KindCorrection:
			p.Corrections = append(p.Corrections, *e)
		}
	}
	return out, rows.Err()
}

// FindPreparations implements stock.Service.
func (db *DB) FindPreparations(ctx context.Context, sessionID int64) ([]*stock.Preparation, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s, err := db.sessionForRead(ctx, db.read, a, sessionID, false)
	if err != nil {
		return nil, err
	}
	if !stock.CanRead(a, s.ClinicID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such infusion session.")
	}
	out, err := db.preparations(ctx, db.read, "p.session_id = $1", sessionID)
	if out == nil && err == nil {
		out = []*stock.Preparation{}
	}
	return out, err
}

// lotMap returns the clinic's lots by ID; lock inside a write transaction
// (lockLots).
func (db *DB) lotMap(ctx context.Context, q queryer, clinicID int64, lock bool, ids ...int64) (map[int64]*stock.Lot, error) {
	list, err := db.lots(ctx, q, clinicID, false, lock, ids...)
	if err != nil {
		return nil, err
	}
	m := map[int64]*stock.Lot{}
	for _, l := range list {
		m[l.ID] = l
	}
	return m, nil
}

// preparable checks that a bag may be prepared for session s as it stands
// (st): checked in and not stopped.
func preparable(st infusion.State) error {
	switch st.Phase {
	case infusion.PhaseAwaitingCheckIn:
		return &clinic.Error{Code: clinic.ECONFLICT, Field: "session", Message: "Check the patient in first (consent is checked there); then prepare the bag."}
	case infusion.PhaseStopped:
		return &clinic.Error{Code: clinic.ECONFLICT, Field: "session", Message: "The session has stopped: no bag can be prepared for it."}
	}
	return nil
}

// PrepareBag implements stock.Service.
func (db *DB) PrepareBag(ctx context.Context, sessionID int64, in stock.PreparationInput) (*stock.Preparation, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	check := func(q queryer, lock bool) (*sessionRow, infusion.State, map[int64]*stock.Lot, error) {
		s, err := db.sessionForRead(ctx, q, a, sessionID, lock)
		if err != nil {
			return nil, infusion.State{}, nil, err
		}
		if !clinic.CanChart(a, s.ClinicID) || !stock.CanHandle(a, s.ClinicID) {
			return nil, infusion.State{}, nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians prepare bags.")
		}
		st, err := db.replay(ctx, q, s)
		if err != nil {
			return nil, infusion.State{}, nil, err
		}
		if err := preparable(st); err != nil {
			return nil, infusion.State{}, nil, err
		}
		// The lots drawn from: Parse refuses a draw from any other lot, as
		// one of no lot of the clinic.
		ids := make([]int64, 0, len(in.Draws))
		for _, d := range in.Draws {
			ids = append(ids, d.Lot)
		}
		if len(ids) == 0 || len(ids) > 20 {
			// Parse refuses no draw and more than 20 before it looks up a lot.
			return s, st, map[int64]*stock.Lot{}, nil
		}
		lots, err := db.lotMap(ctx, q, s.ClinicID, lock, ids...)
		return s, st, lots, err
	}
	today := db.Today()
	var w *stock.Witness
	if db.batchOf(ctx) == nil {
		// Refuse early, before the witness types a password for nothing.
		s, st, lots, err := check(db.read, false)
		if err != nil {
			return nil, err
		}
		if _, err := in.Parse(lots, st.Order.Drug, today); err != nil {
			return nil, err
		}
		if w, err = db.verifyWitness(ctx, a, s.ClinicID, in.Witness); err != nil {
			return nil, err
		}
	}
	var out *stock.Preparation
	err = db.update(ctx, func(tx *Tx) error {
		s, st, lots, err := check(tx, true)
		if err != nil {
			return err
		}
		if w == nil {
			// In a batch: checked here, where the batch's session is seen.
			if w, err = db.batchWitness(ctx, a, s.ClinicID, in.Witness); err != nil {
				return err
			}
		}
		plan, err := in.Parse(lots, st.Order.Drug, today)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bag_preparations WHERE session_id = $1`, s.ID).Scan(&n); err != nil {
			return fmt.Errorf("prepare bag: %w", err)
		}
		n++
		var hung *infusion.Bag
		if len(st.Bags) >= n {
			hung = &st.Bags[n-1].Bag
		}
		if err := plan.CheckProgramme(hung); err != nil {
			return err
		}
		p := &stock.Preparation{ClinicID: s.ClinicID, PatientID: s.PatientID, SessionID: s.ID, BagNumber: n, Drug: st.Order.Drug,
			MgAdded: plan.MgAdded, Diluent: plan.Diluent, FinalVolumeML: plan.FinalVolumeML, Bag: plan.Bag,
			PreparedByName: actorName(a), WitnessName: w.Name, PreparedAt: tx.now, Note: plan.Note,
			Wastes: []stock.Entry{}, Corrections: []stock.Entry{}}
		if err := tx.QueryRowContext(ctx, `INSERT INTO bag_preparations (clinic_id, patient_id, session_id, bag_number, drug, mg_added, diluent,
			final_volume_ml, bag, prepared_by, prepared_by_name, witness_id, witness_name, prepared_at, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			p.ClinicID, p.PatientID, p.SessionID, n, string(p.Drug), p.MgAdded, p.Diluent, p.FinalVolumeML, p.Bag.String(),
			nullInt(actorUserID(a)), p.PreparedByName, w.UserID, w.Name, tx.now, p.Note).Scan(&p.ID); err != nil {
			return conflict(err, "prepare bag", "session", "Another bag was prepared for this session at the same time; reload.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bag_accounts (preparation_id, clinic_id, session_id, wasted, settled) VALUES ($1, $2, $3, FALSE, FALSE)`,
			p.ID, p.ClinicID, p.SessionID); err != nil {
			return fmt.Errorf("prepare bag: account: %w", err)
		}
		if err := tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "bag_preparation", EntityID: p.ID,
			PatientID: p.PatientID}, nil, p); err != nil {
			return err
		}
		for _, d := range plan.Draws {
			e := &stock.Entry{ClinicID: p.ClinicID, Kind: stock.KindDraw, At: tx.now, LotID: d.Lot.ID, PreparationID: p.ID, SessionID: p.SessionID,
				PatientID: p.PatientID, LotML: -d.ML, LotMg: -d.Mg, BagMg: d.Mg}
			if err := tx.insertEntry(a, e, w); err != nil {
				return err
			}
			p.Draws = append(p.Draws, *e)
		}
		out = p
		return nil
	})
	return out, err
}

// preparationForRead loads one bag with its entries and its session.
func (db *DB) preparationForRead(ctx context.Context, q queryer, a *clinic.Actor, id int64, lock bool) (*stock.Preparation, *sessionRow, error) {
	list, err := db.preparations(ctx, q, "p.id = $1", id)
	if err != nil {
		return nil, nil, err
	}
	if len(list) == 0 || !stock.CanRead(a, list[0].ClinicID) {
		return nil, nil, clinic.Errorf(clinic.ENOTFOUND, "No such bag preparation.")
	}
	s, err := db.sessionForRead(ctx, q, a, list[0].SessionID, lock)
	if err != nil {
		return nil, nil, err
	}
	return list[0], s, nil
}

// wasteable says why bag p cannot be wasted yet on the chart st, if so.
func wasteable(p *stock.Preparation, st infusion.State) error {
	if p.Wasted() {
		return &clinic.Error{Code: clinic.ECONFLICT, Field: "amount", Message: fmt.Sprintf(
			"Bag %d was wasted already (entry #%d): a mistake is corrected by a correction naming that entry.", p.BagNumber, p.Wastes[0].ID)}
	}
	b := p.BagNumber - 1
	if st.Phase != infusion.PhaseStopped && b >= len(st.Bags)-1 {
		return &clinic.Error{Code: clinic.ECONFLICT, Field: "amount", Message: fmt.Sprintf(
			"Bag %d is still in use: waste it after the session stops or once a new bag is hung.", p.BagNumber)}
	}
	return nil
}

// WasteBag implements stock.Service.
func (db *DB) WasteBag(ctx context.Context, preparationID int64, in stock.WasteInput) (*stock.Entry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	check := func(q queryer, lock bool) (*stock.Preparation, *sessionRow, float64, float64, string, error) {
		p, s, err := db.preparationForRead(ctx, q, a, preparationID, lock)
		if err != nil {
			return nil, nil, 0, 0, "", err
		}
		if !stock.CanHandle(a, p.ClinicID) {
			return nil, nil, 0, 0, "", clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians waste controlled substances.")
		}
		st, err := db.replay(ctx, q, s)
		if err != nil {
			return nil, nil, 0, 0, "", err
		}
		if err := wasteable(p, st); err != nil {
			return nil, nil, 0, 0, "", err
		}
		given := float64(st.BagGivenMg(p.BagNumber-1, db.now()))
		mg, reason, err := in.ParseWaste(p, p.Remaining(given))
		return p, s, given, mg, reason, err
	}
	var w *stock.Witness
	if db.batchOf(ctx) == nil {
		// Refuse early, before the witness types a password for nothing
		// (in a batch the read pool does not see the batch's bags: the
		// same checks run in the transaction).
		if _, _, _, _, _, err := check(db.read, false); err != nil {
			return nil, err
		}
		p, _, err := db.preparationForRead(ctx, db.read, a, preparationID, false)
		if err != nil {
			return nil, err
		}
		if w, err = db.verifyWitness(ctx, a, p.ClinicID, in.Witness); err != nil {
			return nil, err
		}
	}
	var out *stock.Entry
	err = db.update(ctx, func(tx *Tx) error {
		p, s, given, mg, reason, err := check(tx, true)
		if err != nil {
			return err
		}
		if w == nil {
			if w, err = db.batchWitness(ctx, a, p.ClinicID, in.Witness); err != nil {
				return err
			}
		}
		g := given
		e := &stock.Entry{ClinicID: p.ClinicID, Kind: stock.KindWaste, At: tx.now, PreparationID: p.ID, SessionID: s.ID, PatientID: p.PatientID,
			BagMg: -mg, GivenMg: &g, Reason: reason}
		if err := tx.insertEntry(a, e, w); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// AdjustStock implements stock.Service.
func (db *DB) AdjustStock(ctx context.Context, lotID int64, in stock.AdjustInput) (*stock.Entry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	l, err := db.lotForRead(ctx, db.read, a, lotID, false)
	if err != nil {
		return nil, err
	}
	if !stock.CanHandle(a, l.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians count or dispose of stock.")
	}
	if _, _, err := in.ParseVolume(l); err != nil {
		return nil, err
	}
	w, err := db.verifyWitness(ctx, a, l.ClinicID, in.Witness)
	if err != nil {
		return nil, err
	}
	var out *stock.Entry
	err = db.update(ctx, func(tx *Tx) error {
		l, err := db.lotForRead(ctx, tx, a, lotID, true)
		if err != nil {
			return err
		}
		ml, reason, err := in.ParseVolume(l)
		if err != nil {
			return err
		}
		e := &stock.Entry{ClinicID: l.ClinicID, Kind: in.Kind, At: tx.now, LotID: l.ID, Reason: reason}
		if in.Kind == stock.KindCount {
			book, counted := l.OnHandML, ml
			e.BookML, e.CountedML = &book, &counted
		} else {
			e.LotML, e.LotMg = -ml, -ml*l.MgPerML()
		}
		if err := tx.insertEntry(a, e, w); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// Correct implements stock.Service.
func (db *DB) Correct(ctx context.Context, entryID int64, in stock.CorrectionInput) (*stock.Entry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	orig, err := scanEntry(db.read.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM stock_entries e WHERE e.id = $1`, entryID))
	if err != nil {
		return nil, notFound(err, "find stock entry", "No such stock entry.")
	}
	if !stock.CanRead(a, orig.ClinicID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such stock entry.")
	}
	if !stock.CanCorrect(a, orig.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's clinicians correct the controlled-substance record.")
	}
	lotML, bagMg, reason, err := in.Parse()
	if err != nil {
		return nil, err
	}
	e := &stock.Entry{ClinicID: orig.ClinicID, Kind: stock.KindCorrection, CorrectsID: orig.ID, Reason: reason,
		SessionID: orig.SessionID, PatientID: orig.PatientID}
	switch {
	case lotML != 0 && orig.LotID == 0:
		return nil, clinic.Invalid("change", "entry #%d is on a bag, not a lot: correct it in mg (e.g. -1.5mg)", orig.ID)
	case bagMg != 0 && orig.PreparationID == 0:
		return nil, clinic.Invalid("change", "entry #%d is on a lot, not a bag: correct it in mL of the lot (e.g. -2mL)", orig.ID)
	case lotML != 0:
		l, err := db.lotForRead(ctx, db.read, a, orig.LotID, false)
		if err != nil {
			return nil, err
		}
		e.LotID, e.LotML, e.LotMg = l.ID, lotML, lotML*l.MgPerML()
	default:
		e.PreparationID, e.BagMg = orig.PreparationID, bagMg
	}
	w, err := db.verifyWitness(ctx, a, orig.ClinicID, in.Witness)
	if err != nil {
		return nil, err
	}
	err = db.update(ctx, func(tx *Tx) error { return tx.insertEntry(a, e, w) })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// gateReadsChart reports whether gateEvent reads the chart after an event
// of kind k (the bags hung, for a programme or a pump start; what the bags
// done gave, for a programme or a stop).
func gateReadsChart(k infusion.Kind) bool {
	return k == infusion.KindProgramme || k == infusion.KindStart || k == infusion.KindResume || k == infusion.KindStop
}

// gateEvent refuses, inside the charting transaction, a check-in without a
// consent to the course (or after its withdrawal), and a programme or a
// pump start whose bag was not prepared with a witness or differs from the
// preparation; after a stop or a programme that ends a bag's use it
// records what the chart gave from the bags done (finishBags), which
// settles the bags emptied. d's state is the chart with the event applied.
func (db *DB) gateEvent(ctx context.Context, tx *Tx, d *eventDraft) error {
	if len(d.res.Appended) == 0 {
		return nil
	}
	kind := d.res.Appended[0].Kind
	switch kind {
	case infusion.KindCheckIn:
		c, err := db.latestConsent(ctx, tx, d.s.CourseID)
		if err != nil {
			return err
		}
		if c == nil {
			return clinic.ConsentMissing(d.s.CourseID)
		}
		if c.Withdrawal != nil {
			return clinic.ConsentWithdrawn(c)
		}
		return nil
	case infusion.KindStop:
		return tx.finishBags(d.s.ID, &d.res.State)
	default:
		if !gateReadsChart(kind) {
			return nil
		}
	}
	preps, err := db.preparations(ctx, tx, "p.session_id = $1", d.s.ID)
	if err != nil {
		return err
	}
	bags := d.res.State.Bags
	for b, hung := range bags {
		if kind == infusion.KindProgramme && b != len(bags)-1 {
			continue
		}
		var p *stock.Preparation
		if b < len(preps) {
			p = preps[b]
		}
		switch {
		case p == nil && kind == infusion.KindProgramme:
			// The bag may be prepared after the programme; the start checks it.
		case p == nil:
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "preparation", Message: fmt.Sprintf(
				"The pump cannot start: bag %d (%s mg in %s mL) has no recorded preparation. Record it under “Bag preparation” on this page — lots drawn, mg added, diluent, final volume, with a witness — then start.",
				b+1, units.FormatNumber(float64(hung.Bag.AmountMg), 6), units.FormatNumber(float64(hung.Bag.VolumeML), 6))}
		case !p.Matches(hung.Bag):
			field := "programme.bag"
			if kind != infusion.KindProgramme {
				field = "preparation"
			}
			return clinic.Invalid(field, "the pump's bag %s mg in %s mL differs from bag %d as prepared (%s mg in %s mL, by %s, witnessed by %s): programme the bag that was prepared",
				units.FormatNumber(float64(hung.Bag.AmountMg), 6), units.FormatNumber(float64(hung.Bag.VolumeML), 6), p.BagNumber,
				units.FormatNumber(p.MgAdded, 6), units.FormatNumber(p.FinalVolumeML, 6), p.PreparedByName, p.WitnessName)
		}
	}
	if kind == infusion.KindProgramme && len(bags) > 1 {
		// The next bag hung: the ones before it are done.
		return tx.finishBags(d.s.ID, &d.res.State)
	}
	return nil
}
