package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestBulkLoadSettings: a bulk load is the command-line operator's only;
// its batches commit without waiting for the disk (SQLite synchronous OFF,
// PostgreSQL synchronous_commit off), and when it returns the connection
// is back to synchronous FULL (on) and, on SQLite, the WAL is checkpointed
// into the database file and truncated.
func TestBulkLoadSettings(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		sys := clinic.NewContext(context.Background(), clinic.System)
		name, off, full := "synchronous_commit", "off", "on"
		if db.Engine() == store.SQLite {
			name, off, full = "synchronous", "0", "2"
		}
		nurse := clinic.NewContext(context.Background(), &clinic.Actor{UserID: 5, ClinicID: 1, Login: "n", Role: clinic.RoleNurse})
		if err := db.BulkLoad(nurse, func(context.Context) error { return nil }); clinic.ErrorCode(err) != clinic.EFORBIDDEN {
			t.Errorf("a nurse's bulk load: %v, want forbidden", err)
		}
		c := &clinic.Clinic{Name: "Bulk clinic"}
		err := db.BulkLoad(sys, func(ctx context.Context) error {
			return db.Batch(ctx, func(ctx context.Context) error {
				if err := db.CreateClinic(ctx, c); err != nil {
					return err
				}
				v, err := db.WriteSetting(ctx, name)
				if err != nil {
					return err
				}
				if v != off {
					t.Errorf("%s in a bulk load's batch: %s, want %s", name, v, off)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.WriteSetting(sys, name)
		if err != nil {
			t.Fatal(err)
		}
		if v != full {
			t.Errorf("%s after the bulk load: %s, want %s", name, v, full)
		}
		if db.Engine() == store.SQLite {
			st, err := os.Stat(db.Location().Path + "-wal")
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() != 0 {
				t.Errorf("WAL after the bulk load: %d bytes, want it checkpointed and truncated", st.Size())
			}
		}
		// What the bulk load wrote is there.
		if ids, err := db.ClinicIDs(sys); err != nil || len(ids) != 1 || ids[0] != c.ID {
			t.Errorf("clinics after the bulk load: %v %v, want [%d]", ids, err, c.ID)
		}
	})
}
