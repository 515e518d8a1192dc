package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestPatientNamesOverParameterLimit asks for the names of more patient IDs
// than SQLite takes host parameters in one statement (32,766): the stock
// reconciliation of a 10,000-patient clinic asks for the patient of each of
// its ~35,000 open bags, and /dashboard answered 500 "too many SQL
// variables" (measured on /tmp/scale10000.db). Repeated IDs are read once,
// unknown IDs are left out, and every known patient has its name and MRN.
func TestPatientNamesOverParameterLimit(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			ctx := clinic.NewContext(context.Background(), clinic.System)
			c := &clinic.Clinic{Name: "Names"}
			if err := db.CreateClinic(ctx, c); err != nil {
				t.Fatal(err)
			}
			want := map[int64][2]string{}
			for i := range 3 {
				p := &clinic.Patient{ClinicID: c.ID, MRN: fmt.Sprintf("N%d", i), GivenName: "Ann", FamilyName: fmt.Sprintf("Name%d", i),
					Sex: clinic.SexFemale, BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 2}}
				if err := db.CreatePatient(ctx, p); err != nil {
					t.Fatal(err)
				}
				want[p.ID] = [2]string{fmt.Sprintf("Ann Name%d", i), fmt.Sprintf("N%d", i)}
			}
			var ids []int64
			for i := range 40000 {
				ids = append(ids, 1_000_000+int64(i)) // no such patient
				for id := range want {
					if i%1000 == 0 {
						ids = append(ids, id) // each known patient many times
					}
				}
			}
			got, err := db.PatientNames(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d names, want %d: %v", len(got), len(want), got)
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("patient %d: %q, want %q", id, got[id], w)
				}
			}
		})
	}
}
