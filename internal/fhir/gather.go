package fhir

import (
	"context"
	"fmt"
	"sort"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Services are the clinic services a FHIR export reads. internal/store's DB
// implements them all; Audit may be nil (no Provenance is written then).
type Services struct {
	Patients clinic.PatientService
	Workup   clinic.WorkupService
	Courses  clinic.CourseService
	Charting clinic.ChartingService
	Journal  clinic.JournalService
	Measures clinic.MeasureService
	Audit    clinic.AuditService
}

// ServicesOf finds the services on one value that implements them (the
// store), or reports which one is missing.
func ServicesOf(v any) (Services, error) {
	var s Services
	var ok bool
	if s.Patients, ok = v.(clinic.PatientService); !ok {
		return s, fmt.Errorf("fhir: %T is no PatientService", v)
	}
	if s.Workup, ok = v.(clinic.WorkupService); !ok {
		return s, fmt.Errorf("fhir: %T is no WorkupService", v)
	}
	if s.Courses, ok = v.(clinic.CourseService); !ok {
		return s, fmt.Errorf("fhir: %T is no CourseService", v)
	}
	if s.Charting, ok = v.(clinic.ChartingService); !ok {
		return s, fmt.Errorf("fhir: %T is no ChartingService", v)
	}
	if s.Journal, ok = v.(clinic.JournalService); !ok {
		return s, fmt.Errorf("fhir: %T is no JournalService", v)
	}
	if s.Measures, ok = v.(clinic.MeasureService); !ok {
		return s, fmt.Errorf("fhir: %T is no MeasureService", v)
	}
	s.Audit, _ = v.(clinic.AuditService)
	return s, nil
}

// Record is everything ketatrack holds about one patient that the export
// maps, read with the actor's rights.
type Record struct {
	Patient   *clinic.Patient
	Weights   []*clinic.WeightRecord
	Heights   []*clinic.HeightRecord
	Diagnoses []*clinic.Diagnosis
	Courses   []*clinic.Course
	Sessions  []*clinic.InfusionSession // with State
	Journal   []*clinic.JournalEntry
	Measures  []*clinic.FunctionalMeasure
	// Audit is the patient's audit trail, oldest first; empty when the
	// actor may not read the audit log (a patient, a nurse).
	Audit []*clinic.AuditEntry
}

// Rows counts the stored rows the record was read from (for throughput
// figures): one per record, journal entry, session event and audit entry.
func (r *Record) Rows() int {
	n := 1 + len(r.Weights) + len(r.Heights) + len(r.Diagnoses) + len(r.Journal) + len(r.Measures) + len(r.Audit)
	for _, c := range r.Courses {
		n += 1 + len(c.Versions)
	}
	for _, s := range r.Sessions {
		n++
		if s.State != nil {
			n += len(s.State.Events)
		}
	}
	return n
}

// maxSessionsPerPatient bounds one read of a patient's sessions: the
// charting service returns at most 1000 a call (clinic.SessionFilter), far
// more than a patient's courses hold (ten a course).
const maxSessionsPerPatient = 1000

// auditPage is how many audit entries one read asks for.
const auditPage = 1000

// Gather reads patient id's records through svc with the actor in ctx. A
// patient the actor may not read is ENOTFOUND, as everywhere.
func Gather(ctx context.Context, svc Services, id int64) (*Record, error) {
	p, err := svc.Patients.FindPatientByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return GatherPatient(ctx, svc, p)
}

// GatherPatient is Gather for a patient already read.
func GatherPatient(ctx context.Context, svc Services, p *clinic.Patient) (*Record, error) {
	r := &Record{Patient: p}
	var err error
	if r.Weights, err = svc.Workup.FindWeights(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("weights of patient %d: %w", p.ID, err)
	}
	if r.Heights, err = svc.Workup.FindHeights(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("heights of patient %d: %w", p.ID, err)
	}
	if r.Diagnoses, err = svc.Workup.FindDiagnoses(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("diagnoses of patient %d: %w", p.ID, err)
	}
	if r.Courses, err = svc.Courses.FindCourses(ctx, clinic.CourseFilter{PatientID: p.ID, Limit: 500}); err != nil {
		return nil, fmt.Errorf("courses of patient %d: %w", p.ID, err)
	}
	if r.Sessions, err = svc.Charting.FindSessions(ctx, clinic.SessionFilter{PatientID: p.ID, WithState: true, Limit: maxSessionsPerPatient}); err != nil {
		return nil, fmt.Errorf("sessions of patient %d: %w", p.ID, err)
	}
	if r.Journal, err = svc.Journal.FindJournalEntries(ctx, clinic.JournalFilter{PatientID: p.ID}); err != nil {
		return nil, fmt.Errorf("journal of patient %d: %w", p.ID, err)
	}
	if r.Measures, err = svc.Measures.FindMeasures(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("measures of patient %d: %w", p.ID, err)
	}
	if svc.Audit != nil && clinic.CanReadAudit(clinic.ActorFrom(ctx), p.ClinicID) {
		before := int64(0)
		for {
			page, err := svc.Audit.FindAuditEntries(ctx, clinic.AuditFilter{PatientID: p.ID, BeforeID: before, Limit: auditPage})
			if err != nil {
				return nil, fmt.Errorf("audit of patient %d: %w", p.ID, err)
			}
			r.Audit = append(r.Audit, page...)
			if len(page) < auditPage {
				break
			}
			before = page[len(page)-1].ID
		}
		sort.Slice(r.Audit, func(i, j int) bool { return r.Audit[i].ID < r.Audit[j].ID })
	}
	// Oldest first everywhere, by ID as the tie-break, so that the
	// resources come out in the same order on every export.
	sort.SliceStable(r.Weights, func(i, j int) bool { return r.Weights[i].ID < r.Weights[j].ID })
	sort.SliceStable(r.Heights, func(i, j int) bool { return r.Heights[i].ID < r.Heights[j].ID })
	sort.SliceStable(r.Diagnoses, func(i, j int) bool { return r.Diagnoses[i].ID < r.Diagnoses[j].ID })
	sort.SliceStable(r.Courses, func(i, j int) bool { return r.Courses[i].ID < r.Courses[j].ID })
	sort.SliceStable(r.Sessions, func(i, j int) bool { return r.Sessions[i].ID < r.Sessions[j].ID })
	sort.SliceStable(r.Journal, func(i, j int) bool { return r.Journal[i].ID < r.Journal[j].ID })
	sort.SliceStable(r.Measures, func(i, j int) bool { return r.Measures[i].ID < r.Measures[j].ID })
	return r, nil
}
