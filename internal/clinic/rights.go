package clinic

// Rights checks. The rules (shared/PRODUCT.md, "Web and API"):
//   - a patient reaches only their own records;
//   - staff (admin, clinician, nurse) reach only their own clinic's records;
//   - the command-line operator (System) reaches everything.
//
// A record that belongs to a patient (a journal entry, an infusion session,
// a vitals row) is checked with CanReadPatientRecord / CanWritePatientRecord
// on the patient's clinic and ID. A refused read is reported as ENOTFOUND,
// so that one patient cannot learn that another's record exists.

// CanReadPatientRecord reports whether a may read a record of the patient
// patientID who belongs to clinicID.
func CanReadPatientRecord(a *Actor, clinicID, patientID int64) bool {
	switch {
	case a == nil:
		return false
	case a.System:
		return true
	case a.Role == RolePatient:
		return a.PatientID != 0 && a.PatientID == patientID
	case a.Role.IsStaff():
		return a.ClinicID == clinicID
	}
	return false
}

// CanWritePatientRecord reports whether a may create or change a clinical
// record of the patient patientID in clinicID: staff of that clinic. Patients
// write their own journal through CanWriteOwnJournal instead.
func CanWritePatientRecord(a *Actor, clinicID, patientID int64) bool {
	switch {
	case a == nil:
		return false
	case a.System:
		return true
	case a.Role.IsStaff():
		return a.ClinicID == clinicID
	}
	return false
}

// CanWriteOwnJournal reports whether a may write patient-reported data (the
// daily journal) for patientID: the patient themself, or staff of the clinic
// entering it on their behalf.
func CanWriteOwnJournal(a *Actor, clinicID, patientID int64) bool {
	if a != nil && a.Role == RolePatient {
		return a.PatientID != 0 && a.PatientID == patientID
	}
	return CanWritePatientRecord(a, clinicID, patientID)
}

// CanReadPatient reports whether a may read p.
func CanReadPatient(a *Actor, p *Patient) bool {
	return CanReadPatientRecord(a, p.ClinicID, p.ID)
}

// CanWritePatient reports whether a may create or edit p's demographics.
func CanWritePatient(a *Actor, p *Patient) bool {
	return CanWritePatientRecord(a, p.ClinicID, p.ID)
}

// CanListPatients reports whether a may list the patients of a clinic
// (staff only; a patient sees only themself).
func CanListPatients(a *Actor) bool {
	return a != nil && (a.System || a.Role.IsStaff())
}

// CanManageUsers reports whether a may create, change and list the user
// accounts of clinicID: that clinic's admins.
func CanManageUsers(a *Actor, clinicID int64) bool {
	return a != nil && (a.System || (a.Role == RoleAdmin && a.ClinicID == clinicID))
}

// CanReadAudit reports whether a may read the audit log of clinicID: that
// clinic's admins and clinicians. A clinician answers for the care given, so
// may see who changed what.
func CanReadAudit(a *Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	if a.System {
		return true
	}
	return a.ClinicID == clinicID && (a.Role == RoleAdmin || a.Role == RoleClinician)
}
