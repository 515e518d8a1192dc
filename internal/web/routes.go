package web

// routeTable is every route of the server. To add a page: write its
// template in templates/, its handler in the file of its feature, a line
// here, and (for a menu entry) a line in nav.go. An /api/ route also needs
// its description in openapi.json; TestOpenAPIDescribesEveryRoute fails
// until it has one.
func (s *Server) routeTable() []route {
	return []route{
		// Probes and the API description.
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/readyz", public, s.readyz},
		{"GET", "/api/openapi.json", public, s.openAPI},

		// Logging in and out.
		{"GET", "/login", public, s.loginPage},
		{"POST", "/login", public, s.loginSubmit},
		{"POST", "/logout", loggedIn, s.logoutSubmit},
		{"POST", "/api/v1/session", public, s.apiLogin},
		{"DELETE", "/api/v1/session", loggedIn, s.apiLogout},
		{"GET", "/api/v1/me", loggedIn, s.apiMe},

		// Pages.
		{"GET", "/{$}", loggedIn, s.homePage},
		{"GET", "/me", loggedIn, s.mePage},
		{"GET", "/account", loggedIn, s.accountPage},
		{"POST", "/account/password", loggedIn, s.accountPassword},

		// Patients.
		{"GET", "/patients", staffOnly, s.patientsPage},
		{"GET", "/patients/new", staffOnly, s.patientNewPage},
		{"POST", "/patients", staffOnly, s.patientCreate},
		{"GET", "/patients/{id}", loggedIn, s.patientPage},
		{"GET", "/patients/{id}/edit", staffOnly, s.patientEditPage},
		{"POST", "/patients/{id}", staffOnly, s.patientUpdate},
		{"GET", "/api/v1/patients", loggedIn, s.apiPatients},
		{"POST", "/api/v1/patients", staffOnly, s.apiCreatePatient},
		{"GET", "/api/v1/patients/{id}", loggedIn, s.apiPatient},
		{"PATCH", "/api/v1/patients/{id}", staffOnly, s.apiUpdatePatient},

		// Users (administrators).
		{"GET", "/users", adminOnly, s.usersPage},
		{"POST", "/users", adminOnly, s.userCreate},
		{"POST", "/users/{id}", adminOnly, s.userUpdate},
		{"POST", "/users/{id}/password", adminOnly, s.userPassword},
		{"GET", "/api/v1/users", adminOnly, s.apiUsers},
		{"POST", "/api/v1/users", adminOnly, s.apiCreateUser},
		{"PATCH", "/api/v1/users/{id}", adminOnly, s.apiUpdateUser},

		// The audit log.
		{"GET", "/audit", staffOnly, s.auditPage},
		{"GET", "/api/v1/audit", staffOnly, s.apiAudit},

		// Intake, CRPS diagnosis and screening (intake.go, diagnosis.go, screening.go).
		{"GET", "/patients/{id}/intake", loggedIn, s.intakePage},
		{"POST", "/patients/{id}/intake", staffOnly, s.intakeSubmit},
		{"POST", "/patients/{id}/weights", staffOnly, s.weightSubmit},
		{"GET", "/patients/{id}/diagnosis", loggedIn, s.diagnosisPage},
		{"POST", "/patients/{id}/diagnosis", staffOnly, s.diagnosisSubmit},
		{"GET", "/patients/{id}/screening", loggedIn, s.screeningPage},
		{"POST", "/patients/{id}/screening", staffOnly, s.screeningSubmit},
		{"POST", "/patients/{id}/screening/{sid}/decision", staffOnly, s.decisionSubmit},
		{"GET", "/api/v1/workup/reference", loggedIn, s.apiWorkupReference},
		{"GET", "/api/v1/patients/{id}/workup", loggedIn, s.apiWorkup},
		{"GET", "/api/v1/patients/{id}/weights", loggedIn, s.apiWeights},
		{"POST", "/api/v1/patients/{id}/weights", staffOnly, s.apiRecordWeight},
		{"GET", "/api/v1/patients/{id}/heights", loggedIn, s.apiHeights},
		{"POST", "/api/v1/patients/{id}/heights", staffOnly, s.apiRecordHeight},
		{"GET", "/api/v1/patients/{id}/intakes", loggedIn, s.apiIntakes},
		{"POST", "/api/v1/patients/{id}/intakes", staffOnly, s.apiSaveIntake},
		{"GET", "/api/v1/patients/{id}/diagnoses", loggedIn, s.apiDiagnoses},
		{"POST", "/api/v1/patients/{id}/diagnoses", staffOnly, s.apiSaveDiagnosis},
		{"GET", "/api/v1/patients/{id}/screenings", loggedIn, s.apiScreenings},
		{"POST", "/api/v1/patients/{id}/screenings", staffOnly, s.apiSaveScreening},
		{"GET", "/api/v1/patients/{id}/screening-decision", loggedIn, s.apiLatestDecision},
		{"POST", "/api/v1/screenings/{id}/decisions", staffOnly, s.apiDecideScreening},

		// Treatment courses and signed plan versions (course.go).
		{"GET", "/courses", staffOnly, s.coursesPage},
		{"GET", "/patients/{id}/courses", staffOnly, s.patientCoursesPage},
		{"GET", "/patients/{id}/courses/new", staffOnly, s.courseNewPage},
		{"POST", "/patients/{id}/courses", staffOnly, s.courseCreate},
		{"GET", "/courses/{id}", staffOnly, s.coursePage},
		{"GET", "/courses/{id}/revise", staffOnly, s.courseReviseForm},
		{"POST", "/courses/{id}/versions", staffOnly, s.courseRevise},
		{"GET", "/courses/{id}/versions/{n}/edit", staffOnly, s.courseEditForm},
		{"POST", "/courses/{id}/versions/{n}", staffOnly, s.courseUpdateDraft},
		{"POST", "/courses/{id}/versions/{n}/sign", staffOnly, s.courseSign},
		{"POST", "/courses/{id}/sessions", staffOnly, s.sessionOpen},
		{"GET", "/api/v1/courses", loggedIn, s.apiCourses},
		{"POST", "/api/v1/courses", staffOnly, s.apiCreateCourse},
		{"GET", "/api/v1/courses/{id}", loggedIn, s.apiCourse},
		{"POST", "/api/v1/courses/{id}/versions", staffOnly, s.apiReviseCourse},
		{"GET", "/api/v1/courses/{id}/versions/{n}", loggedIn, s.apiCourseVersion},
		{"PUT", "/api/v1/courses/{id}/versions/{n}", staffOnly, s.apiUpdateDraft},
		{"POST", "/api/v1/courses/{id}/versions/{n}/sign", staffOnly, s.apiSignPlan},
		{"GET", "/api/v1/courses/{id}/prediction", loggedIn, s.apiCoursePrediction},

		// Infusion session charting (charting.go).
		{"GET", "/sessions/{id}", staffOnly, s.sessionPage},
		{"POST", "/sessions/{id}/events", staffOnly, s.sessionEvent},
		{"POST", "/api/v1/courses/{id}/sessions", staffOnly, s.apiOpenSession},
		{"GET", "/api/v1/sessions", loggedIn, s.apiSessions},
		{"GET", "/api/v1/sessions/{id}", loggedIn, s.apiInfusionSession},
		{"GET", "/api/v1/sessions/{id}/prediction", loggedIn, s.apiSessionPrediction},
		{"POST", "/api/v1/sessions/{id}/events", staffOnly, s.apiSessionEvent},
		{"POST", "/api/v1/sessions/{id}/events:batch", staffOnly, s.apiSessionEventBatch},

		// Printed documents: the printable page and its PDF (document*.go).
		{"GET", "/courses/{id}/plan/print", loggedIn, s.planPrintPage},
		{"GET", "/courses/{id}/plan.pdf", loggedIn, s.planPDF},
		{"GET", "/courses/{id}/letter/print", staffOnly, s.letterPrintPage},
		{"GET", "/courses/{id}/letter.pdf", staffOnly, s.letterPDF},
		{"GET", "/courses/{id}/discharge/print", loggedIn, s.dischargePrintPage},
		{"GET", "/courses/{id}/discharge.pdf", loggedIn, s.dischargePDF},
		{"GET", "/sessions/{id}/print", staffOnly, s.sessionPrintPage},
		{"GET", "/sessions/{id}/record.pdf", staffOnly, s.sessionPDF},

		// The controlled-substance record (stock.go, stock_bag.go).
		{"GET", "/stock", staffOnly, s.stockPage},
		{"POST", "/stock/receipts", staffOnly, s.stockReceive},
		{"GET", "/stock/reconciliation", staffOnly, s.reconcilePage},
		{"POST", "/stock/adjustments", staffOnly, s.stockAdjust},
		{"GET", "/stock/log", staffOnly, s.stockLogPage},
		{"GET", "/stock/log.csv", staffOnly, s.report(s.stockLogCSV)},
		{"GET", "/stock/log/print", staffOnly, s.report(s.stockLogPrint)},
		{"POST", "/sessions/{id}/preparations", staffOnly, s.preparationSubmit},
		{"POST", "/preparations/{id}/waste", staffOnly, s.wasteSubmit},
		{"GET", "/api/v1/stock/lots", staffOnly, s.apiLots},
		{"POST", "/api/v1/stock/lots", staffOnly, s.apiReceive},
		{"GET", "/api/v1/stock/lots/{id}", staffOnly, s.apiLot},
		{"POST", "/api/v1/stock/lots/{id}/adjustments", staffOnly, s.apiAdjust},
		{"POST", "/api/v1/stock/entries/{id}/corrections", staffOnly, s.apiCorrect},
		{"GET", "/api/v1/stock/reconciliation", staffOnly, s.apiReconcile},
		{"GET", "/api/v1/stock/log", staffOnly, s.report(s.apiStockLog)},
		{"GET", "/api/v1/sessions/{id}/preparations", staffOnly, s.apiPreparations},
		{"POST", "/api/v1/sessions/{id}/preparations", staffOnly, s.apiPrepare},
		{"POST", "/api/v1/preparations/{id}/waste", staffOnly, s.apiWaste},

		// Consent (consent.go).
		{"GET", "/consent-forms", staffOnly, s.consentFormsPage},
		{"POST", "/consent-forms", staffOnly, s.consentFormCreate},
		{"GET", "/courses/{id}/consent", staffOnly, s.courseConsentPage},
		{"POST", "/courses/{id}/consents", staffOnly, s.consentSubmit},
		{"POST", "/consents/{id}/withdrawal", staffOnly, s.consentWithdraw},
		{"GET", "/api/v1/consent-forms", loggedIn, s.apiConsentForms},
		{"POST", "/api/v1/consent-forms", staffOnly, s.apiCreateConsentForm},
		{"GET", "/api/v1/courses/{id}/consents", loggedIn, s.apiConsents},
		{"POST", "/api/v1/courses/{id}/consents", loggedIn, s.apiRecordConsent},
		{"POST", "/api/v1/consents/{id}/withdrawal", loggedIn, s.apiWithdrawConsent},

		// The protocol and evidence library (protocol.go, evidence.go).
		{"GET", "/protocols", staffOnly, s.protocolsPage},
		{"GET", "/protocols/{id}", staffOnly, s.protocolPage},
		{"GET", "/evidence", staffOnly, s.evidencePage},
		{"GET", "/evidence/{id}", staffOnly, s.evidenceEntryPage},
		{"GET", "/api/v1/protocols", staffOnly, s.apiProtocols},
		{"GET", "/api/v1/protocols/{id}", staffOnly, s.apiProtocol},
		{"GET", "/api/v1/evidence", staffOnly, s.apiEvidence},
		{"GET", "/api/v1/evidence/{id}", staffOnly, s.apiEvidenceEntry},

		// The clinic dashboard (dashboard.go).
		{"GET", "/dashboard", staffOnly, s.dashboardPage},
		{"GET", "/api/v1/dashboard", staffOnly, s.apiDashboard},
		{"GET", "/relapses", staffOnly, s.relapsesPage},
		{"GET", "/api/v1/relapses", staffOnly, s.apiRelapses},

		// Patient journal and portal, functional measures, outcome
		// definitions and analytics (journal.go, measure.go, analytics*.go).
		{"GET", "/journal", loggedIn, s.journalHome},
		{"GET", "/journal/reminder", loggedIn, s.journalReminder},
		{"GET", "/patients/{id}/journal", loggedIn, s.journalPage},
		{"GET", "/patients/{id}/journal/today", loggedIn, s.journalFormPage},
		{"POST", "/patients/{id}/journal/today", loggedIn, s.journalSave},
		{"POST", "/patients/{id}/journal/day1", staffOnly, s.journalDay1Set},
		{"GET", "/patients/{id}/journal/{entry}", loggedIn, s.journalEntryPage},
		{"GET", "/patients/{id}/journal.csv", loggedIn, s.journalCSV},
		{"GET", "/patients/{id}/measures", loggedIn, s.measuresPage},
		{"GET", "/patients/{id}/measures.csv", loggedIn, s.measuresCSV},
		{"POST", "/patients/{id}/measures", staffOnly, s.measureRecord},
		{"POST", "/patients/{id}/measures/{mid}/in-error", staffOnly, s.measureInError},
		{"GET", "/patients/{id}/outcomes", staffOnly, s.patientOutcomesPage},
		{"GET", "/patients/{id}/outcomes.csv", staffOnly, s.patientOutcomesCSV},
		{"GET", "/analytics", staffOnly, s.report(s.analyticsPage)},
		{"GET", "/analytics/{table}", staffOnly, s.report(s.analyticsCSV)},
		{"GET", "/outcome-definitions", staffOnly, s.definitionsPage},
		{"POST", "/outcome-definitions", staffOnly, s.definitionsSave},
		{"GET", "/api/v1/patients/{id}/journal", loggedIn, s.apiJournal},
		{"POST", "/api/v1/patients/{id}/journal", loggedIn, s.apiJournalSave},
		{"PUT", "/api/v1/patients/{id}/journal/day1", staffOnly, s.apiJournalDay1},
		{"GET", "/api/v1/patients/{id}/journal/{entry}/versions", loggedIn, s.apiJournalVersions},
		{"GET", "/api/v1/patients/{id}/measures", loggedIn, s.apiMeasures},
		{"POST", "/api/v1/patients/{id}/measures", staffOnly, s.apiRecordMeasure},
		{"POST", "/api/v1/measures/{id}/in-error", staffOnly, s.apiMeasureInError},
		{"GET", "/api/v1/patients/{id}/outcomes", staffOnly, s.apiPatientOutcomes},
		{"GET", "/api/v1/analytics/cohort", staffOnly, s.report(s.apiCohort)},
		{"GET", "/api/v1/analytics/survival", staffOnly, s.report(s.apiSurvival)},
		{"GET", "/api/v1/outcome-definitions", staffOnly, s.apiDefinitions},
		{"PUT", "/api/v1/outcome-definitions", staffOnly, s.apiSaveDefinitions},

		// FHIR R4, read-only (fhir.go): described by GET /fhir/metadata,
		// not openapi.json.
		{"GET", "/fhir/metadata", public, s.fhirMetadata},
		{"GET", "/fhir/Patient", loggedIn, s.fhirPatientSearch},
		{"GET", "/fhir/Patient/{id}", loggedIn, s.fhirPatient},
		{"GET", "/fhir/Patient/{id}/$everything", loggedIn, s.fhirEverything},
		{"GET", "/fhir/Questionnaire/{id}", loggedIn, s.fhirQuestionnaire},
		{"GET", "/fhir/{type}", loggedIn, s.fhirSearch},
		{"GET", "/fhir/{type}/{id}", loggedIn, s.fhirRead},
	}
}
