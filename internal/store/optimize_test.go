package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestOptimizeGivesPatientIndex: on SQLite, after a scaled clinic is
// loaded, Optimize gives the planner the statistics that make it read a
// patient's sessions (FindSessions with PatientID: the journal, course and
// patient pages) through infusion_sessions_by_patient instead of walking
// the clinic's whole date index. PostgreSQL keeps statistics itself
// (autovacuum), and Optimize does nothing there.
func TestOptimizeGivesPatientIndex(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	end := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	if _, err := demo.Scale(ctx, db, demo.ScaleConfig{Patients: 30, Seed: 2, End: end}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	// FindSessions' query for one patient of a clinic (internal/store
	// charting.go), planned.
	plan := func() string {
		t.Helper()
		rows, err := db.QueryRaw(ctx, `EXPLAIN QUERY PLAN SELECT s.id FROM infusion_sessions s JOIN plan_versions v ON v.id = s.plan_version_id
			WHERE s.clinic_id = $1 AND s.patient_id = $2 ORDER BY s.session_date DESC, s.id DESC LIMIT $3`, 1, 7, 1000)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, detail)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(steps, "; ")
	}
	t.Logf("plan before Optimize: %s", plan())
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	got := plan()
	if !strings.Contains(got, "USING INDEX infusion_sessions_by_patient") {
		t.Errorf("plan after Optimize: %s; want a search of infusion_sessions_by_patient", got)
	}
	// The plan changed, not the answers: the patient's sessions, newest
	// first.
	sys := clinic.NewContext(ctx, clinic.System)
	list, err := db.FindSessions(sys, clinic.SessionFilter{PatientID: 7, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range list {
		if s.PatientID != 7 || (i > 0 && list[i-1].SessionDate.Before(s.SessionDate)) {
			t.Fatalf("session %d of patient 7's list: patient %d on %s", i, s.PatientID, s.SessionDate)
		}
	}
}
