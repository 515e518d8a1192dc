package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestBatchAllOrNothing: writes in a batch are seen by later writes of the
// batch, committed together, and all rolled back when fn fails or when one
// write was refused (later writes are refused too).
func TestBatchAllOrNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := clinic.NewContext(context.Background(), clinic.System)
		c := &clinic.Clinic{Name: "Batch clinic"}
		if err := db.CreateClinic(ctx, c); err != nil {
			t.Fatal(err)
		}
		patient := func(mrn string) *clinic.Patient {
			return &clinic.Patient{ClinicID: c.ID, MRN: mrn, GivenName: "Ann", FamilyName: "Batch", Sex: clinic.SexFemale,
				BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 2}}
		}
		count := func() int {
			n, err := db.CountPatients(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Committed together.
		if err := db.Batch(ctx, func(ctx context.Context) error {
			for _, mrn := range []string{"B1", "B2"} {
				if err := db.CreatePatient(ctx, patient(mrn)); err != nil {
					return err
				}
			}
			// A nested batch joins.
			return db.Batch(ctx, func(ctx context.Context) error { return db.CreatePatient(ctx, patient("B3")) })
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d patients after the batch, want 3", n)
		}
		// fn fails: nothing of it stays.
		boom := errors.New("boom")
		err := db.Batch(ctx, func(ctx context.Context) error {
			if err := db.CreatePatient(ctx, patient("B4")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != 3 {
			t.Errorf("failed batch: %v, %d patients, want boom and 3", err, count())
		}
		// A refused write (duplicate MRN) aborts the batch even if fn
		// carries on: the later write is refused and nothing is kept.
		err = db.Batch(ctx, func(ctx context.Context) error {
			_ = db.CreatePatient(ctx, patient("B5"))
			if err := db.CreatePatient(ctx, patient("B1")); clinic.ErrorCode(err) != clinic.ECONFLICT {
				t.Errorf("duplicate MRN in a batch: %v, want a conflict", err)
			}
			if err := db.CreatePatient(ctx, patient("B6")); err == nil {
				t.Error("a write after a refused one was accepted")
			}
			return nil
		})
		if clinic.ErrorCode(err) != clinic.ECONFLICT || count() != 3 {
			t.Errorf("aborted batch: %v, %d patients, want the conflict and 3", err, count())
		}
		// The audit entries of the committed batch are there, in order.
		entries, err := db.FindAuditEntries(ctx, clinic.AuditFilter{Entity: "patient"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 {
			t.Errorf("%d patient audit entries, want 3", len(entries))
		}
	})
}
