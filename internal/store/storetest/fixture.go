package storetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The fixtures tests use to meet issue 15's rules for charting: a session's
// check-in needs the course's consent (Consent), and the pump's start needs
// each hung bag prepared with a witness (PrepareBag). They act as the
// command-line operator in the course's clinic, and the witness is a nurse
// account they create once per clinic.

// WitnessLogin and WitnessPassword are the fixtures' witness account.
const (
	WitnessLogin    = "fixture-witness-%d"
	WitnessPassword = "fixture witness password 15"
)

// FixtureLot is the lot PrepareBag draws from: 50 mg/mL in 10 mL vials
// (a usual ketamine strength, issue 15), expiring long after any test.
const (
	FixtureLot      = "FIXTURE-%s"
	FixtureStrength = "50mg/mL"
	FixtureExpiry   = "2099-12-31"
)

// operator is the command-line actor placed in clinicID.
func operator(clinicID int64) context.Context {
	a := *clinic.System
	a.ClinicID = clinicID
	return clinic.NewContext(context.Background(), &a)
}

// Consent records a clinician's attestation of consent to course courseID
// against the clinic's consent form, adding a form version effective from
// 2000-01-01 when the clinic has none in force.
func Consent(t testing.TB, db *store.DB, courseID int64) *clinic.Consent {
	t.Helper()
	k, err := RecordConsent(db, courseID)
	if err != nil {
		t.Fatalf("consent fixture: %v", err)
	}
	return k
}

// RecordConsent is Consent returning its error, for goroutines of
// benchmarks (which must not call t.Fatal).
func RecordConsent(db *store.DB, courseID int64) (*clinic.Consent, error) {
	c, err := db.FindCourseByID(clinic.NewContext(context.Background(), clinic.System), courseID)
	if err != nil {
		return nil, fmt.Errorf("course %d: %w", courseID, err)
	}
	ctx := operator(c.ClinicID)
	if _, err := db.CurrentConsentForm(ctx, clinic.Date{Year: 2999, Month: 12, Day: 31}); err != nil {
		if _, err := db.CreateConsentForm(ctx, clinic.ConsentFormInput{Version: "fixture-1", Title: "Consent to ketamine infusions (test fixture)",
			Body: "The test fixture's consent form: risks, benefits and alternatives of a ketamine infusion course.", EffectiveFrom: "2000-01-01"}); err != nil &&
			clinic.ErrorCode(err) != clinic.ECONFLICT {
			return nil, fmt.Errorf("consent form: %w", err)
		}
	}
	return db.RecordConsent(ctx, courseID, clinic.ConsentInput{Method: clinic.ConsentAttestation, Agreed: true})
}

// Witness returns the credentials of the fixtures' witness of clinicID,
// creating the account on first use.
func Witness(t testing.TB, db *store.DB, clinicID int64) stock.Credentials {
	t.Helper()
	login := fmt.Sprintf(WitnessLogin, clinicID)
	ctx := operator(clinicID)
	users, err := db.FindUsers(ctx, clinic.UserFilter{Role: clinic.RoleNurse, Limit: 1000})
	if err != nil {
		t.Fatalf("witness fixture: %v", err)
	}
	found := false
	for _, u := range users {
		found = found || (u.Login == login && u.ClinicID == clinicID)
	}
	if !found {
		u := &clinic.User{ClinicID: clinicID, Login: login, Name: "Fixture Witness", Role: clinic.RoleNurse}
		if err := db.CreateUser(ctx, u, WitnessPassword); err != nil {
			t.Fatalf("witness fixture: %v", err)
		}
	}
	return stock.Credentials{Login: login, Password: WitnessPassword}
}

// PrepareBag records the next bag of session sessionID as bag (an amount
// in a volume, "40mg/500mL"), drawn from the fixture lot of the session's
// drug (received first if the clinic has none), witnessed by the fixture
// witness, prepared by the command-line operator.
func PrepareBag(t testing.TB, db *store.DB, sessionID int64, bag string) *stock.Preparation {
	t.Helper()
	s, err := db.FindSessionByID(clinic.NewContext(context.Background(), clinic.System), sessionID)
	if err != nil {
		t.Fatalf("bag fixture: session %d: %v", sessionID, err)
	}
	c, err := units.ParseConcentration("bag", bag)
	if err != nil {
		t.Fatalf("bag fixture: %v", err)
	}
	amount, volume, ok := c.Amount()
	if !ok {
		t.Fatalf("bag fixture: %q is not an amount in a volume", bag)
	}
	ctx := operator(s.ClinicID)
	lot := FixtureLotFor(t, db, s.ClinicID, string(s.State.Order.Drug))
	drawML := amount.Milligrams() / lot.MgPerML()
	p, err := db.PrepareBag(ctx, sessionID, stock.PreparationInput{
		Draws:   []stock.DrawInput{{Lot: lot.ID, Volume: strconv.FormatFloat(drawML, 'g', -1, 64) + "mL"}},
		MgAdded: strconv.FormatFloat(amount.Milligrams(), 'g', -1, 64) + "mg", Diluent: "sodium chloride 0.9%",
		FinalVolume: strconv.FormatFloat(volume.Milliliters(), 'g', -1, 64) + "mL", Witness: Witness(t, db, s.ClinicID)})
	if err != nil {
		t.Fatalf("bag fixture: session %d: %v", sessionID, err)
	}
	return p
}

// FixtureLotFor returns the clinic's fixture lot of drug, receiving 100
// vials of 10 mL the first time.
func FixtureLotFor(t testing.TB, db *store.DB, clinicID int64, drug string) *stock.Lot {
	t.Helper()
	ctx := operator(clinicID)
	lots, err := db.FindLots(ctx, stock.LotFilter{})
	if err != nil {
		t.Fatalf("lot fixture: %v", err)
	}
	number := fmt.Sprintf(FixtureLot, drug)
	for _, l := range lots {
		if l.LotNumber == number {
			return l
		}
	}
	l, _, err := db.ReceiveStock(ctx, stock.ReceiptInput{Product: "Ketamine (fixture)", Drug: drug, Strength: FixtureStrength, VialVolume: "10mL",
		Lot: number, Expiry: FixtureExpiry, Vials: "100", Supplier: "Fixture Pharma", Reference: "INV-FIXTURE"})
	if err != nil {
		t.Fatalf("lot fixture: %v", err)
	}
	return l
}
