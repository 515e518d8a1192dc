package demo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
)

// The demo's controlled-substance stock and consent (issue 15), set up
// before the treatment step charts its sessions: the clinic's consent form,
// two lots of racemic ketamine (50 mg/mL in 10 mL vials and 100 mg/mL in
// 5 mL vials, the usual strengths), and the consents of the courses that
// have sessions. Bags are prepared by the nurse and witnessed by the
// clinician, who types their own password (the demo knows it: it generated
// it).

// demoConsentBody is the demo clinic's consent text (fiction, written for
// the demo; a clinic writes its own).
const demoConsentBody = `You are offered a course of ketamine infusions for complex regional pain syndrome (CRPS).

What happens: ketamine is given through a drip into a vein over several hours on each treatment day of the plan your clinician signed. A nurse checks your pulse, blood pressure and oxygen level at least every 15 minutes.

Possible side effects: feeling detached or dreamlike, vivid dreams, nausea, dizziness, a rise in blood pressure or heart rate, headache. They usually settle when the drip is slowed or stopped. Rarely, ketamine affects the bladder or the liver with repeated use; your clinician will check for this.

After each session you must not drive, and an adult must take you home.

Alternatives include physiotherapy, medicines by mouth, nerve blocks and spinal cord stimulation. You may stop the course at any time, and withdrawing your consent will not affect your other care.`

// demoWitness is the clinician's login and password, as typed by a witness.
func demoWitness(r *Result) stock.Credentials {
	for _, c := range r.Credentials {
		if c.Role == clinic.RoleClinician {
			return stock.Credentials{Login: c.Login, Password: c.Password}
		}
	}
	return stock.Credentials{}
}

// loadStock adds the consent form and the stock; the treatment step adds
// the consents and the bags.
func loadStock(ctx context.Context, db *store.DB, r *Result) (lot50, lot100 *stock.Lot, err error) {
	doc, nurse := r.As(ctx, clinic.RoleClinician), r.As(ctx, clinic.RoleNurse)
	today := db.Today()
	if _, err := db.CreateConsentForm(doc, clinic.ConsentFormInput{Version: "2026-1", Title: "Consent to a course of ketamine infusions for CRPS",
		Body: demoConsentBody, EffectiveFrom: today.AddDays(-90).String()}); err != nil {
		return nil, nil, fmt.Errorf("consent form: %w", err)
	}
	expiry := today.AddDays(400).String()
	lot50, _, err = db.ReceiveStock(nurse, stock.ReceiptInput{Product: "Ketamine hydrochloride injection", Drug: "racemic", Strength: "50mg/mL",
		VialVolume: "10mL", Lot: "KH50-2611A", Expiry: expiry, Vials: "20", Supplier: "Northbridge Pharmaceutical Wholesale", Reference: "INV-2026-11-0412"})
	if err != nil {
		return nil, nil, fmt.Errorf("receive: %w", err)
	}
	lot100, _, err = db.ReceiveStock(nurse, stock.ReceiptInput{Product: "Ketamine hydrochloride injection", Drug: "racemic", Strength: "100mg/mL",
		VialVolume: "5mL", Lot: "KH100-2608B", Expiry: today.AddDays(200).String(), Vials: "10", Supplier: "Northbridge Pharmaceutical Wholesale", Reference: "INV-2026-11-0413"})
	if err != nil {
		return nil, nil, fmt.Errorf("receive: %w", err)
	}
	return lot50, lot100, nil
}

// demoPrepare prepares the session's next bag of amountMg in volumeML
// from lot.
func demoPrepare(ctx context.Context, db *store.DB, r *Result, sessionID int64, lot *stock.Lot, amountMg, volumeML float64) (*stock.Preparation, error) {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return db.PrepareBag(r.As(ctx, clinic.RoleNurse), sessionID, stock.PreparationInput{
		Draws:   []stock.DrawInput{{Lot: lot.ID, Volume: f(amountMg/lot.MgPerML()) + "mL"}},
		MgAdded: f(amountMg) + "mg", Diluent: "sodium chloride 0.9%", FinalVolume: f(volumeML) + "mL", Witness: demoWitness(r)})
}

// demoWaste wastes what remains in bag p by the chart.
func demoWaste(ctx context.Context, db *store.DB, r *Result, p *stock.Preparation) error {
	nurse := r.As(ctx, clinic.RoleNurse)
	s, err := db.FindSessionByID(nurse, p.SessionID)
	if err != nil {
		return err
	}
	given := float64(s.State.BagGivenMg(p.BagNumber-1, db.Now()))
	left := (p.MgAdded - given) / p.MgPerML()
	_, err = db.WasteBag(nurse, p.ID, stock.WasteInput{Amount: strconv.FormatFloat(left, 'g', -1, 64) + "mL", Witness: demoWitness(r)})
	return err
}
