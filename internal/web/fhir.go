package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/fhir"
)

// The FHIR R4 endpoint under /fhir (issue 13): read-only, over the same
// services and rights as the JSON API, every answer audited as an export.
// It is described by its CapabilityStatement (GET /fhir/metadata), as FHIR
// clients expect, not by openapi.json, which describes /api/ only;
// TestFHIRCapabilityDescribesEveryRoute keeps the two in step as
// TestOpenAPIDescribesEveryRoute does for the API.

func isFHIR(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/fhir/") }

// fhirIssue maps a clinic error code to the FHIR issue type
// (http://hl7.org/fhir/R4/valueset-issue-type.html).
var fhirIssue = map[string]string{
	clinic.EINVALID:      "invalid",
	clinic.ENOTFOUND:     "not-found",
	clinic.EUNAUTHORIZED: "login",
	clinic.EFORBIDDEN:    "forbidden",
	clinic.ECONFLICT:     "conflict",
	clinic.ERATELIMIT:    "throttled",
	clinic.EINTERNAL:     "exception",
}

// writeFHIR answers with a FHIR resource as application/fhir+json.
func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhir.ContentType+"; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// failFHIR writes err as an OperationOutcome with the status fail chose.
func failFHIR(w http.ResponseWriter, status int, err error) {
	code := fhirIssue[clinic.ErrorCode(err)]
	if code == "" {
		code = "exception"
	}
	writeFHIR(w, status, fhir.NewOutcome(code, clinic.ErrorMessage(err), clinic.ErrorField(err)))
}

// fhirOptions are the export choices of this server (the MRN system).
func (s *Server) fhirOptions() fhir.Options {
	var o fhir.Options
	if sys := s.FHIRMRNSystem; sys != "" {
		o.MRNSystem = func(int64) string { return sys }
	}
	return o
}

func (s *Server) fhirServices() (fhir.Services, error) {
	svc, err := fhir.ServicesOf(s.Patients)
	if err != nil {
		return svc, clinic.Errorf(clinic.EINTERNAL, "%v", err)
	}
	svc.Audit = s.Audit
	return svc, nil
}

// fhirBase is the absolute URL of this server's /fhir, for fullUrl and
// links.
func fhirBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

func (s *Server) fhirMetadata(w http.ResponseWriter, r *http.Request) error {
	writeFHIR(w, http.StatusOK, fhir.Capability())
	return nil
}

func (s *Server) fhirQuestionnaire(w http.ResponseWriter, r *http.Request) error {
	q := fhir.JournalQuestionnaire()
	if r.PathValue("id") != q.ID {
		return clinic.Errorf(clinic.ENOTFOUND, "No such Questionnaire.")
	}
	writeFHIR(w, http.StatusOK, q)
	return nil
}

// fhirPatientResources reads and maps patient {id}'s record with the
// actor's rights.
func (s *Server) fhirPatientResources(r *http.Request, id int64) ([]fhir.Resource, error) {
	svc, err := s.fhirServices()
	if err != nil {
		return nil, err
	}
	rec, err := fhir.Gather(r.Context(), svc, id)
	if err != nil {
		return nil, err
	}
	return fhir.Map(rec, s.fhirOptions()), nil
}

// auditFHIR records what a FHIR answer handed out.
func (s *Server) auditFHIR(r *http.Request, patientID int64, op string, rs []fhir.Resource) error {
	a, ok := s.Patients.(clinic.ExportAuditor)
	if !ok {
		return clinic.Errorf(clinic.EINTERNAL, "the patient service %T cannot audit exports", s.Patients)
	}
	counts := map[string]int{}
	for _, res := range rs {
		counts[res.Type()]++
	}
	return a.AuditExport(r.Context(), patientID, clinic.Export{Format: "fhir-r4", Operation: op, Resources: counts})
}

func fhirPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, clinic.Errorf(clinic.ENOTFOUND, "No such Patient.")
	}
	return id, nil
}

func (s *Server) fhirPatient(w http.ResponseWriter, r *http.Request) error {
	id, err := fhirPathID(r)
	if err != nil {
		return err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return err
	}
	rs := fhir.Map(&fhir.Record{Patient: p}, s.fhirOptions())[:1]
	if err := s.auditFHIR(r, p.ID, "Patient/read", rs); err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, rs[0])
	return nil
}

func (s *Server) fhirEverything(w http.ResponseWriter, r *http.Request) error {
	id, err := fhirPathID(r)
	if err != nil {
		return err
	}
	rs, err := s.fhirPatientResources(r, id)
	if err != nil {
		return err
	}
	b, err := fhir.Everything(rs, fhirBase(r), s.Now())
	if err != nil {
		return err
	}
	if err := s.auditFHIR(r, id, "Patient/$everything", rs); err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, b)
	return nil
}

// searchPaging reads _count and _offset and refuses any parameter not in
// allowed: a filter the server would silently ignore could hand out more
// than the client asked for.
func searchPaging(q url.Values, allowed ...string) (offset, count int, err error) {
	for k := range q {
		if k != "_count" && k != "_offset" && !slices.Contains(allowed, k) {
			return 0, 0, clinic.Invalid(k, "unknown search parameter %q (this server supports %s, _count, _offset)", k, strings.Join(allowed, ", "))
		}
	}
	num := func(name string, def int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, clinic.Invalid(name, "%q is not a whole number ≥ 0", v)
		}
		return n, nil
	}
	if offset, err = num("_offset", 0); err != nil {
		return 0, 0, err
	}
	if count, err = num("_count", fhir.DefaultCount); err != nil {
		return 0, 0, err
	}
	return offset, count, nil
}

// fhirSearch answers GET /fhir/{type}?patient=ID for the types of
// fhir.SearchTypes, paged with _count and next links.
func (s *Server) fhirSearch(w http.ResponseWriter, r *http.Request) error {
	typ := r.PathValue("type")
	if !slices.Contains(fhir.SearchTypes, typ) {
		return clinic.Errorf(clinic.ENOTFOUND, "This server does not search %s (see /fhir/metadata).", typ)
	}
	q := r.URL.Query()
	offset, count, err := searchPaging(q, "patient", "subject")
	if err != nil {
		return err
	}
	ref := q.Get("patient")
	if ref == "" {
		ref = q.Get("subject")
	}
	if ref == "" {
		return clinic.Invalid("patient", "a search needs patient=ID: records are searched one patient at a time")
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(ref, "Patient/"), 10, 64)
	if err != nil || id <= 0 {
		return clinic.Invalid("patient", "%q is not a patient id", ref)
	}
	all, err := s.fhirPatientResources(r, id)
	if err != nil {
		return err
	}
	var match []fhir.Resource
	for _, res := range all {
		if res.Type() == typ {
			match = append(match, res)
		}
	}
	b, err := fhir.Searchset(match, fhirBase(r), fhirBase(r)+"/"+typ, q, offset, count, s.Now())
	if err != nil {
		return err
	}
	page := match[min(offset, len(match)):min(offset+count, len(match))]
	if err := s.auditFHIR(r, id, typ+"/search", page); err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, b)
	return nil
}

// fhirPatientSearch answers GET /fhir/Patient?identifier=…|_id=…: how an
// EHR finds its patient by MRN. A patient finds only themself.
func (s *Server) fhirPatientSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := searchPaging(q, "identifier", "_id")
	if err != nil {
		return err
	}
	ident, idParam := q.Get("identifier"), q.Get("_id")
	if ident == "" && idParam == "" {
		return clinic.Invalid("identifier", "search patients by identifier (the MRN, system|value) or _id")
	}
	var match []fhir.Resource
	if idParam != "" {
		id, err := strconv.ParseInt(idParam, 10, 64)
		if err == nil && id > 0 {
			if p, err := s.Patients.FindPatientByID(r.Context(), id); err == nil {
				match = append(match, fhir.Map(&fhir.Record{Patient: p}, s.fhirOptions())[0])
			} else if clinic.ErrorCode(err) != clinic.ENOTFOUND {
				return err
			}
		}
	} else {
		system, value, hasSystem := strings.Cut(ident, "|")
		if !hasSystem {
			system, value = "", ident
		}
		// The search is a prefix range of the MRN (and names), read in
		// pages, so an MRN that starts many others is still found.
		err := clinic.EachPatient(r.Context(), s.Patients, clinic.PatientFilter{Query: value}, func(p *clinic.Patient) error {
			if p.MRN != value {
				return nil // the filter matches names and longer MRNs too
			}
			res := fhir.Map(&fhir.Record{Patient: p}, s.fhirOptions())[0].(*fhir.Patient)
			if system == "" || res.Identifier[0].System == system {
				match = append(match, res)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	b, err := fhir.Searchset(match, fhirBase(r), fhirBase(r)+"/Patient", q, offset, count, s.Now())
	if err != nil {
		return err
	}
	for _, res := range match {
		id, _ := strconv.ParseInt(res.LogicalID(), 10, 64)
		if err := s.auditFHIR(r, id, "Patient/search", []fhir.Resource{res}); err != nil {
			return err
		}
	}
	writeFHIR(w, http.StatusOK, b)
	return nil
}

// fhirRead answers GET /fhir/{type}/{id} for any resource of a patient's
// compartment, so that every reference in an answer resolves: the id names
// the patient (fhir.PatientOf), whose record is read with the actor's
// rights.
func (s *Server) fhirRead(w http.ResponseWriter, r *http.Request) error {
	typ, lid := r.PathValue("type"), r.PathValue("id")
	notFound := clinic.Errorf(clinic.ENOTFOUND, "No such %s.", typ)
	if !slices.Contains(fhir.SearchTypes, typ) {
		return notFound
	}
	pid, ok := fhir.PatientOf(typ, lid)
	if !ok {
		return notFound
	}
	all, err := s.fhirPatientResources(r, pid)
	if err != nil {
		if clinic.ErrorCode(err) == clinic.ENOTFOUND {
			return notFound
		}
		return err
	}
	for _, res := range all {
		if res.Type() == typ && res.LogicalID() == lid {
			if err := s.auditFHIR(r, pid, typ+"/read", []fhir.Resource{res}); err != nil {
				return err
			}
			writeFHIR(w, http.StatusOK, res)
			return nil
		}
	}
	return notFound
}
