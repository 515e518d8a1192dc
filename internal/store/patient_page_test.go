package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// pagePatients are the patients of TestPatientPages' clinic north, beside
// the fixture's two (Ann Northa, Ann Northb): repeated names so that the ID
// decides the order, a family name that is a prefix of another, and one
// non-ASCII name. Names are capitalised ASCII letters where the order is
// checked, so that it is the same in every collation.
var pagePatients = []struct{ mrn, given, family string }{
	{"A-100", "Ann", "Smith"}, {"A-101", "Ann", "Smith"}, {"A-102", "Ann", "Smith"},
	{"A-103", "Bob", "Smith"}, {"A-104", "Ann", "Smithers"}, {"A-105", "Cara", "Smyth"},
	{"B-200", "Dan", "Jones"}, {"B-201", "Eve", "Jones"}, {"B-202", "Ann", "Jonas"},
	{"C-300", "Finn", "Ørsted"}, {"C-301", "Gus", "Brown"}, {"C-302", "Hal", "Brown"},
}

// byKey orders patients as FindPatients does: family name, given name, ID.
func byKey(a, b *clinic.Patient) int {
	return strings.Compare(fmt.Sprint(a.FamilyName, "\x00", a.GivenName, "\x00", fmt.Sprintf("%020d", a.ID)),
		fmt.Sprint(b.FamilyName, "\x00", b.GivenName, "\x00", fmt.Sprintf("%020d", b.ID)))
}

func ids(ps []*clinic.Patient) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// walk reads every page of f by keyset and returns the patients in order
// and how many pages it took.
func walk(t *testing.T, db *store.DB, u *clinic.User, f clinic.PatientFilter) ([]*clinic.Patient, int) {
	t.Helper()
	var all []*clinic.Patient
	pages := 0
	for {
		page, next, err := db.FindPatients(as(u), f)
		must(t, err)
		pages++
		if len(page) > f.Limit {
			t.Fatalf("page of %d patients, limit %d", len(page), f.Limit)
		}
		all = append(all, page...)
		if next == nil {
			return all, pages
		}
		if *next != page[len(page)-1].Key() {
			t.Fatalf("next %+v is not the key of the page's last patient %+v", *next, page[len(page)-1].Key())
		}
		f.After = next
		if pages > 100 {
			t.Fatal("pages do not end")
		}
	}
}

// TestPatientPages: keyset pages of the patient list hold every patient of
// the clinic once, in (family, given, ID) order, whatever the page size; a
// patient registered between two pages before the cursor is not seen and
// moves nothing (an OFFSET page would show one patient twice); the search
// matches prefixes of the MRN, family name and full name; both engines.
func TestPatientPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		nurse := f.nurse[0]
		want := []*clinic.Patient{f.patients[0][0], f.patients[0][1]}
		for i, pp := range pagePatients {
			p := &clinic.Patient{MRN: pp.mrn, GivenName: pp.given, FamilyName: pp.family,
				BirthDate: clinic.Date{Year: 1970 + i, Month: 5, Day: 1 + i}, Sex: clinic.SexOther}
			must(t, db.CreatePatient(as(nurse), p))
			want = append(want, p)
		}
		// "Ørsted" sorts after every ASCII name in code point order, as in
		// PostgreSQL's C.UTF-8 test database; the check below keeps to the
		// ASCII names, whose order is the same in any collation.
		slices.SortFunc(want, byKey)
		ascii := slices.DeleteFunc(slices.Clone(want), func(p *clinic.Patient) bool { return p.FamilyName == "Ørsted" })
		for _, size := range []int{1, 3, 5, 14, 500} {
			got, pages := walk(t, db, nurse, clinic.PatientFilter{Limit: size})
			if len(got) != len(want) {
				t.Fatalf("limit %d: %d patients, want %d", size, len(got), len(want))
			}
			gotASCII := slices.DeleteFunc(slices.Clone(got), func(p *clinic.Patient) bool { return p.FamilyName == "Ørsted" })
			if !slices.Equal(ids(gotASCII), ids(ascii)) {
				t.Errorf("limit %d: order %v, want %v", size, ids(gotASCII), ids(ascii))
			}
			// ceil(n/size) pages: a page reads one row more than it
			// shows, so a full last page already knows it is the last.
			if wantPages := (len(want) + size - 1) / size; pages != wantPages {
				t.Errorf("limit %d: %d pages, want %d", size, pages, wantPages)
			}
		}

		// A patient registered between pages, sorting before the cursor.
		first, next, err := db.FindPatients(as(nurse), clinic.PatientFilter{Limit: 4})
		must(t, err)
		early := &clinic.Patient{MRN: "A-000", GivenName: "Aaron", FamilyName: "Aaberg",
			BirthDate: clinic.Date{Year: 1990, Month: 1, Day: 1}, Sex: clinic.SexMale}
		must(t, db.CreatePatient(as(nurse), early))
		second, _, err := db.FindPatients(as(nurse), clinic.PatientFilter{Limit: 4, After: next})
		must(t, err)
		if got, w := ids(append(first, second...)), ids(ascii[:8]); !slices.Equal(got, w) {
			t.Errorf("pages around a new patient: %v, want %v", got, w)
		}

		search := []struct {
			q    string
			want []string // MRNs in list order
		}{
			{"smith", []string{"A-100", "A-101", "A-102", "A-103", "A-104"}},
			{"SMI", []string{"A-100", "A-101", "A-102", "A-103", "A-104"}},
			{"sm", []string{"A-100", "A-101", "A-102", "A-103", "A-104", "A-105"}},
			{"ann sm", []string{"A-100", "A-101", "A-102", "A-104"}},
			{"ann smithers", []string{"A-104"}},
			{"bob", []string{"A-103"}},
			{"a-10", []string{"A-100", "A-101", "A-102", "A-103", "A-104", "A-105"}},
			{"b-20", []string{"B-202", "B-200", "B-201"}},
			{"jon", []string{"B-202", "B-200", "B-201"}},
			{"jone", []string{"B-200", "B-201"}},
			{"  brown ", []string{"C-301", "C-302"}},
			{"Ørst", []string{"C-300"}}, // SQLite folds ASCII letters only: "ørst" finds it on PostgreSQL alone
			{"mith", nil},               // a prefix, not a substring
			{"north-", []string{"north-1", "north-2"}},
			{"ann north", []string{"north-1", "north-2"}},
		}
		for _, s := range search {
			for _, size := range []int{2, 50} {
				got, _ := walk(t, db, nurse, clinic.PatientFilter{Query: s.q, Limit: size})
				var mrns []string
				for _, p := range got {
					mrns = append(mrns, p.MRN)
				}
				if !slices.Equal(mrns, s.want) {
					t.Errorf("search %q (pages of %d): %v, want %v", s.q, size, mrns, s.want)
				}
			}
		}
		// The other clinic's staff find none of them.
		if got, _, err := db.FindPatients(as(f.nurse[1]), clinic.PatientFilter{Query: "smith"}); err != nil || len(got) != 0 {
			t.Errorf("clinic south searching smith: %d patients, %v", len(got), err)
		}
		if n, err := db.CountPatients(as(nurse)); err != nil || n != len(want)+1 {
			t.Errorf("count %d, %v; want %d", n, err, len(want)+1)
		}
	})
}
