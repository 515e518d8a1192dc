package fhir_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// benchPatients is the size of the generated clinic: 10,000 patients by
// default (issue 13), KETATRACK_BENCH_PATIENTS to change it.
func benchPatients() int {
	if n, err := strconv.Atoi(os.Getenv("KETATRACK_BENCH_PATIENTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// benchJournalDays is each generated patient's journal length: a ten-day
// course over two weeks and follow-up to six weeks.
const benchJournalDays = 42

var (
	bigOnce sync.Once
	bigDB   *store.DB
	bigErr  error
)

// bigClinic fills a SQLite database through the store's write paths (the
// same transactions and audit entries as the pages): per patient the
// patient, two weights, a height and an intake (ImportPatient), a CRPS
// diagnosis with a CSS (SaveDiagnosis), benchJournalDays journal entries
// (ImportJournal) and two functional measures. Infusion sessions are not
// generated (charting needs a signed plan, consent and a witnessed bag per
// session); the demo clinic's sessions are covered by the golden and
// validation tests.
func bigClinic(b *testing.B) *store.DB {
	bigOnce.Do(func() {
		db := storetest.Open(b, store.SQLite)
		db.Now = func() time.Time { return demoNow }
		ctx := system()
		c := &clinic.Clinic{Name: "Big clinic"}
		if bigErr = db.CreateClinic(ctx, c); bigErr != nil {
			return
		}
		start := time.Now()
		n := benchPatients()
		var rows []clinic.JournalImportRow
		for i := range n {
			day := demoNow.AddDate(0, 0, -60).Truncate(time.Minute)
			w, _ := units.ParseBodyWeight("w", fmt.Sprintf("%dkg", 55+i%40))
			h, _ := clinic.ParseBodyHeight("h", fmt.Sprintf("%dcm", 155+i%30))
			in := &clinic.PatientImport{
				Patient: clinic.Patient{ClinicID: c.ID, MRN: fmt.Sprintf("B%06d", i), GivenName: "Pat", FamilyName: fmt.Sprintf("Big%06d", i),
					BirthDate: clinic.Date{Year: 1950 + i%50, Month: time.Month(1 + i%12), Day: 1 + i%28}, Sex: clinic.SexFemale},
				Weights:      []clinic.ImportedWeight{{Weight: w, Measurement: clinic.Measurement{MeasuredAt: day}}, {Weight: w, Measurement: clinic.Measurement{MeasuredAt: day.AddDate(0, 0, 7)}}},
				Heights:      []clinic.ImportedHeight{{Height: h, Measurement: clinic.Measurement{MeasuredAt: day}}},
				Presentation: &crps.Presentation{IncitingEvent: crps.Fracture, AffectedLimbs: []crps.Limb{crps.Limbs[i%4]}, Onset: "2026-01-15"},
			}
			p, err := db.ImportPatient(ctx, in)
			if err != nil {
				bigErr = err
				return
			}
			dx := clinic.DiagnosisInput{
				Assessment: crps.Assessment{DisproportionatePain: crps.Yes, OtherDiagnosisExplains: crps.No,
					Symptoms: []string{"symptom.allodynia", "symptom.temperature_asymmetry", "symptom.oedema", "symptom.decreased_range_of_motion"},
					Signs:    []string{"sign.allodynia_light_touch", "sign.temperature_asymmetry"}},
				History: crps.History{NerveInjuryConfirmed: crps.No}, AssessedOn: clinic.DateOf(day).String(),
			}
			if _, err := db.SaveDiagnosis(ctx, p.ID, dx); err != nil {
				bigErr = err
				return
			}
			for _, m := range []*clinic.FunctionalMeasure{
				{PatientID: p.ID, Kind: clinic.MeasureTUG, MeasuredOn: clinic.DateOf(day), Value: "19.5", Unit: "s"},
				{PatientID: p.ID, Kind: clinic.MeasureWalk2Min, MeasuredOn: clinic.DateOf(day), Value: "148", Unit: "ft"},
			} {
				if err := db.RecordMeasure(ctx, m); err != nil {
					bigErr = err
					return
				}
			}
			for d := 1; d <= benchJournalDays; d++ {
				r := outcomes.NewJournalRow(p.MRN, d)
				r.Scores[outcomes.PainNow] = outcomes.Score(800 - 10*d)
				r.Scores[outcomes.PainWorst] = outcomes.Score(900 - 10*d)
				r.Scores[outcomes.Pain24h] = outcomes.Score(700 - 5*d)
				rows = append(rows, clinic.JournalImportRow{Line: len(rows) + 2, PatientID: p.ID, Row: r})
			}
			if len(rows) >= 50000 || i == n-1 {
				if _, err := db.ImportJournal(ctx, rows); err != nil {
					bigErr = err
					return
				}
				rows = rows[:0]
			}
		}
		b.Logf("generated %d patients in %s", n, time.Since(start).Round(time.Second))
		bigDB = db
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigDB
}

// BenchmarkExportClinic exports the generated clinic as Bulk Data NDJSON and
// reports rows/s (stored rows read) and resources/s, with the peak heap seen
// between patients (constant memory: it must not grow with the clinic). The
// reference in the same run, BenchmarkExportClinic/read-only, reads the same
// records through the same services without mapping or writing, so the
// ratio is the cost of FHIR on top of reading.
func BenchmarkExportClinic(b *testing.B) {
	db := bigClinic(b)
	svc, err := fhir.ServicesOf(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("read-only", func(b *testing.B) {
		for b.Loop() {
			rows := 0
			if err := clinic.EachPatient(system(), db, clinic.PatientFilter{}, func(p *clinic.Patient) error {
				rec, err := fhir.GatherPatient(system(), svc, p)
				rows += rec.Rows()
				return err
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		}
	})
	b.Run("ndjson", func(b *testing.B) {
		for b.Loop() {
			w, err := fhir.NewBulkWriter(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			var peak uint64
			var ms runtime.MemStats
			progress := func(done, total int) {
				if done%100 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			st, err := fhir.ExportClinic(system(), svc, 0, fhir.Options{}, w, progress)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.Close(demoNow, "bench"); err != nil {
				b.Fatal(err)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(st.Rows)/sec, "rows/s")
			b.ReportMetric(float64(st.Resources)/sec, "resources/s")
			b.ReportMetric(float64(st.Patients), "patients")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		}
	})
}
