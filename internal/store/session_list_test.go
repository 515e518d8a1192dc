package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestKeysetSessionsAndCourses walks the sessions (FindSessions with After)
// and the courses (FindCourses with BeforeID) of a generated clinic of 60
// patients, a page of 4 at a time: every row exactly once, in the order of
// the one-query list (the old behaviour), though ten sessions share each
// session date. The charts read by the set-based replay (WithState) equal
// FindSessionByID's one by one; FindPatients with IDs reads those patients.
func TestKeysetSessionsAndCourses(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			lc := generateListClinic(t, e, 60)
			db, nurse := lc.db, lc.nurse
			all, err := db.FindSessions(nurse, clinic.SessionFilter{Limit: 1000, WithState: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 60/listCourseEvery*listSessions {
				t.Fatalf("%d sessions, want %d", len(all), 60/listCourseEvery*listSessions)
			}
			byDate := map[clinic.Date]int{}
			for _, s := range all {
				byDate[s.SessionDate]++
			}
			if byDate[clinic.Date{Year: 2026, Month: 3, Day: 2}] != 60/listCourseEvery {
				t.Fatalf("sessions by date %v: the walk needs equal dates", byDate)
			}
			var walked []int64
			var after *clinic.SessionKey
			for pages := 0; pages < 100; pages++ {
				page, err := db.FindSessions(nurse, clinic.SessionFilter{Limit: 4, After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range page {
					walked = append(walked, s.ID)
				}
				if len(page) < 4 {
					break
				}
				k := page[len(page)-1].Key()
				after = &k
			}
			var want []int64
			for _, s := range all {
				want = append(want, s.ID)
			}
			if !slices.Equal(walked, want) {
				t.Errorf("sessions walked %v, want %v", walked, want)
			}
			for _, s := range all[:5] {
				one, err := db.FindSessionByID(nurse, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				at := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
				if s.State == nil || s.State.Phase != one.State.Phase || len(s.State.Events) != len(one.State.Events) ||
					s.State.Summary(at).NextVitalsDue != one.State.Summary(at).NextVitalsDue {
					t.Errorf("session %d: the listed chart differs from FindSessionByID's", s.ID)
				}
			}

			courses, err := db.FindCourses(nurse, clinic.CourseFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var cwant, cgot []int64
			for _, c := range courses {
				cwant = append(cwant, c.ID)
			}
			var before int64
			for pages := 0; pages < 100; pages++ {
				page, err := db.FindCourses(nurse, clinic.CourseFilter{Limit: 4, BeforeID: before})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					cgot = append(cgot, c.ID)
					if c.Current() == nil {
						t.Errorf("course %d listed without its signed version", c.ID)
					}
				}
				if len(page) < 4 {
					break
				}
				before = page[len(page)-1].ID
			}
			if len(cwant) != 60/listCourseEvery || !slices.Equal(cgot, cwant) {
				t.Errorf("courses walked %v, want %v (%d)", cgot, cwant, 60/listCourseEvery)
			}

			ids := []int64{courses[0].PatientID, courses[3].PatientID, courses[7].PatientID}
			ps, _, err := db.FindPatients(nurse, clinic.PatientFilter{IDs: ids, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range ps {
				got = append(got, p.ID)
			}
			slices.Sort(got)
			slices.Sort(ids)
			if !slices.Equal(got, ids) {
				t.Errorf("FindPatients IDs %v: got %v", ids, got)
			}
		})
	}
}
