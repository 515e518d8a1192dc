package store_test

import (
	"math"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestStockAccountability walks issue 15's controlled-substance record on
// Goldberg's day 1 (40 mg in 500 mL at 10 mg/h, 003 Methods), stopped
// after 2 h: 20 mg given, 20 mg (250 mL) left to waste. Every refusal
// names its field and stores nothing.
func TestStockAccountability(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		clin := clinicians(t, db, f)
		doc, nurse := as(clin[0]), as(f.nurse[0])
		docW := stock.Credentials{Login: clin[0].Login, Password: testPassword}
		nurseW := stock.Credentials{Login: f.nurse[0].Login, Password: testPassword}
		db.Now = func() time.Time { return chartAt(-60) } // 2026-03-02 07:45 UTC
		db.Zone = time.UTC                                // the clinic's calendar days below are UTC dates, whatever TZ says

		// Receiving: an expired lot is refused; a lot of 10 vials of 10 mL at
		// 50 mg/mL is 100 mL = 5,000 mg.
		recv := stock.ReceiptInput{Product: "Ketamine hydrochloride", Drug: "racemic", Strength: "50mg/mL", VialVolume: "10mL",
			Lot: "K2026A", Expiry: "2027-06-30", Vials: "10", Supplier: "Pharma Wholesale", Reference: "INV-1001"}
		bad := recv
		bad.Expiry = "2026-03-01"
		_, _, err := db.ReceiveStock(nurse, bad)
		wantField(t, err, "expiry")
		bad = recv
		bad.Strength = "50"
		_, _, err = db.ReceiveStock(nurse, bad)
		wantField(t, err, "strength")
		_, _, err = db.ReceiveStock(as(f.admin[0]), recv)
		wantCode(t, err, clinic.EFORBIDDEN)
		if lots, err := db.FindLots(nurse, stock.LotFilter{}); err != nil || len(lots) != 0 {
			t.Fatalf("refused receipts stored lots: %v %v", lots, err)
		}
		lot, _, err := db.ReceiveStock(nurse, recv)
		must(t, err)
		near(t, "on hand mL", lot.OnHandML, 100)
		near(t, "on hand mg", lot.OnHandMg, 5000)
		// A lot that expires tomorrow: received today, refused once expired.
		soon := recv
		soon.Lot, soon.Expiry = "K2026S", "2026-03-02"
		lotS, _, err := db.ReceiveStock(nurse, soon)
		must(t, err)
		_, err = db.FindLotByID(as(f.nurse[1]), lot.ID)
		wantCode(t, err, clinic.ENOTFOUND)

		// A course without consent: the check-in is refused, nothing charted.
		c, err := db.CreateCourse(doc, f.patients[0][0].ID, "", goldbergInput())
		must(t, err)
		_, err = db.SignPlan(doc, c.ID, 1, 0)
		must(t, err)
		s, err := db.OpenSession(nurse, c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		must(t, err)
		db.Now = func() time.Time { return chartAt(300) } // 2026-03-03 is later; 13:45 on the 2nd
		checkIn := infusion.Event{Kind: infusion.KindCheckIn, At: chartAt(0), CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71),
			Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}}
		_, _, err = db.RecordEvent(nurse, s.ID, checkIn)
		if clinic.ErrorCode(err) != clinic.ECONFLICT || clinic.ErrorField(err) != "consent" {
			t.Fatalf("check-in without consent: %v", err)
		}
		if got, _ := db.FindSessionByID(nurse, s.ID); len(got.State.Events) != 0 {
			t.Fatalf("refused check-in stored %d events", len(got.State.Events))
		}
		// The patient signs in the portal: their name as registered.
		pat := as(f.patientU[0])
		_, err = db.RecordConsent(pat, c.ID, clinic.ConsentInput{Method: clinic.ConsentPortal, SignedName: "Ann Northa", Agreed: true})
		if clinic.ErrorCode(err) != clinic.ECONFLICT || clinic.ErrorField(err) != "form" {
			t.Fatalf("consent without a form: %v", err)
		}
		_, err = db.CreateConsentForm(nurse, clinic.ConsentFormInput{Version: "1", Title: "Consent", Body: "Ketamine infusions for CRPS: risks and benefits.", EffectiveFrom: "2026-01-01"})
		wantCode(t, err, clinic.EFORBIDDEN)
		_, err = db.CreateConsentForm(doc, clinic.ConsentFormInput{Version: "2026-1", Title: "Consent to ketamine infusions",
			Body: "Ketamine infusions for CRPS: risks, benefits and alternatives.", EffectiveFrom: "2026-01-01"})
		must(t, err)
		_, err = db.RecordConsent(pat, c.ID, clinic.ConsentInput{Method: clinic.ConsentPortal, SignedName: "Someone Else", Agreed: true})
		wantField(t, err, "signed_name")
		_, err = db.RecordConsent(pat, c.ID, clinic.ConsentInput{Method: clinic.ConsentPortal, SignedName: "ann northa", Agreed: false})
		wantField(t, err, "agreed")
		_, err = db.RecordConsent(nurse, c.ID, clinic.ConsentInput{Method: clinic.ConsentAttestation, Agreed: true})
		wantField(t, err, "method")
		_, err = db.RecordConsent(as(f.patientU[1]), c.ID, clinic.ConsentInput{Method: clinic.ConsentPortal, SignedName: "Ann Northa", Agreed: true})
		wantCode(t, err, clinic.ENOTFOUND)
		k, err := db.RecordConsent(pat, c.ID, clinic.ConsentInput{Method: clinic.ConsentPortal, SignedName: "ann  northa", Agreed: true})
		must(t, err)
		if k.FormVersion != "2026-1" || k.Method != clinic.ConsentPortal {
			t.Fatalf("consent %+v", k)
		}
		_, _, err = db.RecordEvent(nurse, s.ID, checkIn)
		must(t, err)

		// Bag preparation. Programme first (40 mg in 500 mL), then the bag.
		bag := mustParse(t, units.ParseConcentration, "40mg/500mL")
		_, _, err = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindProgramme, At: chartAt(10), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag,
			Entered: mustParse(t, units.ParseDoseRate, "10mg/h"), DoubleCheck: infusion.DoubleCheck{By: "dr", Drug: infusion.Racemic, Concentration: bag}}})
		must(t, err)
		// Without a preparation the pump does not start.
		_, _, err = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindStart, At: chartAt(15)})
		if clinic.ErrorCode(err) != clinic.ECONFLICT || clinic.ErrorField(err) != "preparation" {
			t.Fatalf("start without a preparation: %v", err)
		}
		good := stock.PreparationInput{Draws: []stock.DrawInput{{Lot: lot.ID, Volume: "0.8mL"}}, MgAdded: "40mg",
			Diluent: "sodium chloride 0.9%", FinalVolume: "500mL", Witness: docW}
		for _, c := range []struct {
			name  string
			edit  func(*stock.PreparationInput)
			field string
		}{
			{"the preparer as witness", func(p *stock.PreparationInput) { p.Witness = nurseW }, "witness.login"},
			{"a wrong witness password", func(p *stock.PreparationInput) { p.Witness.Password = "wrong" }, "witness.password"},
			{"no witness", func(p *stock.PreparationInput) { p.Witness = stock.Credentials{} }, "witness.login"},
			{"a witness of another clinic", func(p *stock.PreparationInput) {
				p.Witness = stock.Credentials{Login: f.nurse[1].Login, Password: testPassword}
			}, "witness.login"},
			{"an expired lot", func(p *stock.PreparationInput) { p.Draws[0].Lot = lotS.ID }, "draws[0].lot_id"},
			{"mg the draws do not give", func(p *stock.PreparationInput) { p.MgAdded = "45mg" }, "mg_added"},
			{"a volume other than the programme's", func(p *stock.PreparationInput) { p.FinalVolume = "250mL" }, "final_volume"},
			{"mg other than the programme's", func(p *stock.PreparationInput) { p.Draws[0].Volume = "1mL"; p.MgAdded = "50mg" }, "mg_added"},
			{"more than the lot holds", func(p *stock.PreparationInput) { p.Draws[0].Volume = "101mL"; p.MgAdded = "5050mg" }, "draws[0].volume"},
			{"a volume without a unit", func(p *stock.PreparationInput) { p.Draws[0].Volume = "0.8" }, "draws[0].volume"},
		} {
			in := good
			in.Draws = []stock.DrawInput{good.Draws[0]}
			c.edit(&in)
			db.Now = func() time.Time { return chartAt(300 + 24*60) } // the next day: lot K2026S has expired
			_, err := db.PrepareBag(nurse, s.ID, in)
			if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) != c.field {
				t.Errorf("%s: want EINVALID on %s, got %v (field %q)", c.name, c.field, err, clinic.ErrorField(err))
			}
		}
		db.Now = func() time.Time { return chartAt(300) }
		if ps, err := db.FindPreparations(nurse, s.ID); err != nil || len(ps) != 0 {
			t.Fatalf("refused preparations stored: %v %v", ps, err)
		}
		if l, _ := db.FindLotByID(nurse, lot.ID); l.OnHandML != 100 {
			t.Fatalf("refused preparations drew stock: %v mL", l.OnHandML)
		}
		p, err := db.PrepareBag(nurse, s.ID, good)
		must(t, err)
		if p.BagNumber != 1 || p.WitnessName != "Dr Clinic north" || len(p.Draws) != 1 {
			t.Fatalf("preparation %+v", p)
		}
		_, _, err = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindStart, At: chartAt(15)})
		must(t, err)
		// Waste while the bag runs: refused.
		_, err = db.WasteBag(nurse, p.ID, stock.WasteInput{Amount: "250mL", Witness: docW})
		wantCode(t, err, clinic.ECONFLICT)
		// Stopped after 2 h at 10 mg/h: 20 mg given, 20 mg = 250 mL left.
		_, _, err = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindStop, At: chartAt(135), Stop: &infusion.Stop{Reason: infusion.StopPatientWish}})
		must(t, err)
		r, err := db.Reconcile(nurse, chartAt(300), stock.ReconcileFilter{})
		must(t, err)
		if len(r.Flags) != 1 || r.Flags[0].Kind != stock.FlagNotWasted || r.Flags[0].PreparationID != p.ID {
			t.Fatalf("flags before the waste %+v", r.Flags)
		}
		for _, c := range []struct {
			in    stock.WasteInput
			field string
		}{
			{stock.WasteInput{Amount: "251mL", Witness: docW}, "amount"},
			{stock.WasteInput{Amount: "20.5mg", Witness: docW}, "amount"},
			{stock.WasteInput{Amount: "250mL", Witness: nurseW}, "witness.login"},
			{stock.WasteInput{Amount: "200mL", Witness: docW}, "reason"},
			{stock.WasteInput{Amount: "250", Witness: docW}, "amount"},
		} {
			_, err := db.WasteBag(nurse, p.ID, c.in)
			wantField(t, err, c.field)
		}
		w, err := db.WasteBag(nurse, p.ID, stock.WasteInput{Amount: "250mL", Witness: docW})
		must(t, err)
		near(t, "wasted mg", -w.BagMg, 20)
		near(t, "given mg", *w.GivenMg, 20)
		_, err = db.WasteBag(nurse, p.ID, stock.WasteInput{Amount: "0mL", Witness: docW})
		wantCode(t, err, clinic.ECONFLICT)

		// Reconciliation: received 100 mL − drawn 0.8 mL = 99.2 mL, the bag
		// balances (40 − 20 − 20 = 0): no flag.
		r, err = db.Reconcile(nurse, chartAt(300), stock.ReconcileFilter{})
		must(t, err)
		if len(r.Flags) != 0 || len(r.Bags) != 0 {
			t.Fatalf("after the waste: flags %+v bags %+v", r.Flags, r.Bags)
		}
		for _, lb := range r.Lots {
			if lb.Lot.ID == lot.ID {
				near(t, "received", lb.ReceivedML, 100)
				near(t, "drawn", lb.DrawnML, 0.8)
				near(t, "on hand", lb.OnHandML, 99.2)
				near(t, "on hand mg", lb.OnHandMg, 4960)
			}
		}
		// A count of 99 mL differs from the book by −0.2 mL: flagged until a
		// clinician records a correction naming the count.
		cnt, err := db.AdjustStock(nurse, lot.ID, stock.AdjustInput{Kind: stock.KindCount, Volume: "99mL", Witness: docW})
		must(t, err)
		r, err = db.Reconcile(nurse, chartAt(300), stock.ReconcileFilter{})
		must(t, err)
		if len(r.Flags) != 1 || r.Flags[0].Kind != stock.FlagCount {
			t.Fatalf("after the count: %+v", r.Flags)
		}
		_, err = db.Correct(nurse, cnt.ID, stock.CorrectionInput{Change: "-0.2mL", Reason: "vial 7 cracked", Witness: docW})
		wantCode(t, err, clinic.EFORBIDDEN)
		_, err = db.Correct(doc, cnt.ID, stock.CorrectionInput{Change: "-0.2mL", Witness: nurseW})
		wantField(t, err, "reason")
		_, err = db.Correct(doc, cnt.ID, stock.CorrectionInput{Change: "-0.2mg", Reason: "x", Witness: nurseW})
		wantField(t, err, "change")
		_, err = db.Correct(doc, cnt.ID, stock.CorrectionInput{Change: "-0.2mL", Reason: "0.2 mL lost from a cracked vial (found at the count)", Witness: nurseW})
		must(t, err)
		r, err = db.Reconcile(nurse, chartAt(300), stock.ReconcileFilter{})
		must(t, err)
		if len(r.Flags) != 0 {
			t.Fatalf("after the correction: %+v", r.Flags)
		}
		// The log of lot K2026A: receive, draw, waste (of its bag), count,
		// correction; the balance after each.
		var rows []stock.LogRow
		must(t, db.StockLog(as(f.admin[0]), stock.LogFilter{LotID: lot.ID}, func(r stock.LogRow) error { rows = append(rows, r); return nil }))
		kinds := []stock.Kind{stock.KindReceive, stock.KindDraw, stock.KindWaste, stock.KindCount, stock.KindCorrection}
		bal := []float64{100, 99.2, 0, 99.2, 99}
		if len(rows) != len(kinds) {
			t.Fatalf("log rows %d: %+v", len(rows), rows)
		}
		for i, r := range rows {
			if r.Kind != kinds[i] {
				t.Errorf("row %d kind %s, want %s", i, r.Kind, kinds[i])
			}
			if r.LotID != 0 {
				near(t, "balance", r.BalanceML, bal[i])
			}
		}
		if rows[1].PatientMRN != "north-1" || rows[2].WitnessName != "Dr Clinic north" {
			t.Errorf("draw row %+v, waste row %+v", rows[1], rows[2])
		}
		// A withdrawal blocks further check-ins.
		_, err = db.WithdrawConsent(pat, k.ID, "")
		wantField(t, err, "reason")
		_, err = db.WithdrawConsent(pat, k.ID, "I do not want further infusions")
		must(t, err)
		s2, err := db.OpenSession(nurse, c.ID, 2, clinic.Date{Year: 2026, Month: 3, Day: 3})
		must(t, err)
		_, _, err = db.RecordEvent(nurse, s2.ID, checkIn)
		if clinic.ErrorCode(err) != clinic.ECONFLICT || clinic.ErrorField(err) != "consent" {
			t.Fatalf("check-in after withdrawal: %v", err)
		}
	})
}
