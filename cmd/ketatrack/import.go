package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "import",
		Synopsis: "import journal FILE.csv [--db URL] [--clinic ID] [--match mrn|id] [--json] | import fhir BUNDLE.json [--db URL] [--clinic ID] [--json]",
		Summary: "Import a study journal CSV (the analyze format), or a new patient from a FHIR R4 Bundle (Patient, body weights and heights, CRPS conditions), " +
			"all or nothing in one transaction: a bad row or resource is named (exit 2) and nothing is imported.",
		Run: runImport,
	})
}

// How patient_id is matched (--match):
//   - mrn (the default): the patient of the clinic whose medical record
//     number is patient_id, the identifier a research coordinator's journal
//     normally carries;
//   - id: ketatrack's own patient ID (the number in /patients/ID).
//
// Every patient must already be registered in the clinic. The rows keep
// their journal days; a patient whose journal day 1 is set gets the rows
// dated from it.
const importHelp = `
Matching patient_id (--match):
  mrn   the medical record number of a patient of the clinic (default)
  id    ketatrack's patient ID, as in /patients/ID
Every patient must be registered in the clinic first. The rows keep their
journal days (1 = first infusion day); where the patient's journal day 1 is
set, they are dated from it. A day the patient already has is refused.
`

func runImport(ctx context.Context, e *env, args []string) int {
	c := commands["import"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	clinicID := fs.Int64("clinic", 0, "the clinic whose patients the rows belong to (required when the database holds more than one clinic)")
	match := fs.String("match", "mrn", "how patient_id names a patient: mrn (the clinic's medical record number) or id (ketatrack's patient ID)")
	asJSON := fs.Bool("json", false, `print one JSON document on stdout: {"file", "rows", "patients", "clinic_id"}`)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(fs.Output(), importHelp) }
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) == 2 && pos[0] == "fhir" {
		return importFHIR(ctx, e, *dbURL, *clinicID, *asJSON, pos[1])
	}
	if len(pos) != 2 || pos[0] != "journal" {
		return fail(e, "import", exitBadInput, errors.New(`arguments: want "journal FILE.csv" or "fhir BUNDLE.json"`))
	}
	if *match != "mrn" && *match != "id" {
		return fail(e, "import", exitBadInput, fmt.Errorf("match: %q is not mrn or id", *match))
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "import", exitBadInput, err)
	}
	path := pos[1]
	data, err := readAll(e, path)
	if err != nil {
		return fail(e, "import", exitBadInput, err)
	}
	rows, err := outcomes.ReadJournalCSV(bytes.NewReader(data))
	if err != nil {
		return fail(e, "import", exitBadInput, fmt.Errorf("%s: %w", path, err))
	}
	if len(rows) == 0 {
		return fail(e, "import", exitBadInput, fmt.Errorf("%s: line 2: no journal rows after the header", path))
	}
	lines, idCol, err := recordLines(data)
	if err != nil || len(lines) != len(rows) {
		return fail(e, "import", exitFailure, fmt.Errorf("%s: cannot locate the rows' lines: %v", path, err))
	}

	db, _, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "import", exitFailure, err)
	}
	defer db.Close()
	sys := clinic.NewContext(ctx, clinic.System)
	if *clinicID == 0 {
		ids, err := db.ClinicIDs(sys)
		if err != nil {
			return fail(e, "import", exitFailure, err)
		}
		if len(ids) != 1 {
			return fail(e, "import", exitBadInput, fmt.Errorf("clinic: the database holds %d clinics; name one with --clinic", len(ids)))
		}
		*clinicID = ids[0]
	} else if _, err := db.FindClinicByID(sys, *clinicID); err != nil {
		return fail(e, "import", exitBadInput, fmt.Errorf("clinic: %d: %v", *clinicID, clinic.ErrorMessage(err)))
	}
	patientOf, err := matchPatients(sys, db, *clinicID, *match, rows)
	if err != nil {
		return fail(e, "import", exitFailure, err)
	}
	in := make([]clinic.JournalImportRow, len(rows))
	for i, r := range rows {
		pid, ok := patientOf[r.Patient]
		if !ok {
			what := "medical record number"
			if *match == "id" {
				what = "patient ID"
			}
			return fail(e, "import", exitBadInput, fmt.Errorf("%s: line %d, column %d (patient_id): no patient of clinic %d has the %s %q; nothing was imported",
				path, lines[i], idCol, *clinicID, what, r.Patient))
		}
		in[i] = clinic.JournalImportRow{Line: lines[i], PatientID: pid, Row: r}
	}
	res, err := db.ImportJournal(sys, in)
	if err != nil {
		var re *clinic.ImportRowError
		if errors.As(err, &re) {
			col := re.Column
			if re.Field == "patient_id" {
				col = idCol
			}
			return fail(e, "import", exitBadInput, fmt.Errorf("%s: line %d, column %d (%s): %s; nothing was imported",
				path, re.Line, col, re.Field, clinic.ErrorMessage(re.Err)))
		}
		return fail(e, "import", exitFailure, fmt.Errorf("%s: %w; nothing was imported", path, err))
	}
	if *asJSON {
		doc := map[string]any{"file": path, "rows": res.Rows, "patients": res.Patients, "clinic_id": *clinicID}
		if err := json.NewEncoder(e.Stdout).Encode(doc); err != nil {
			return fail(e, "import", exitFailure, err)
		}
		return exitOK
	}
	fmt.Fprintf(e.Stdout, "imported %d journal rows of %d patients into clinic %d\n", res.Rows, res.Patients, *clinicID)
	return exitOK
}

// readAll reads path ("-" for stdin).
func readAll(e *env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(e.Stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("FILE: %w", err)
	}
	return b, nil
}

// recordLines returns the line of each data record of a journal CSV that
// outcomes.ReadJournalCSV has accepted, in the same order (encoding/csv
// skips blank lines and a record may span lines, so a record's line is
// not its index), and the column number of patient_id.
func recordLines(data []byte) ([]int, int, error) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, 0, err
	}
	idCol := 1
	for i, h := range header {
		if strings.TrimSpace(h) == "patient_id" {
			idCol = i + 1
		}
	}
	var lines []int
	for {
		if _, err := cr.Read(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		lines = append(lines, line)
	}
	return lines, idCol, nil
}

// matchPatients maps each patient_id of the rows to a patient of the clinic.
func matchPatients(ctx context.Context, db *store.DB, clinicID int64, match string, rows []outcomes.JournalRow) (map[string]int64, error) {
	seen := map[string]bool{}
	var keys []string
	for _, r := range rows {
		if !seen[r.Patient] {
			seen[r.Patient] = true
			keys = append(keys, r.Patient)
		}
	}
	if match == "mrn" {
		return db.PatientIDsByMRN(ctx, clinicID, keys)
	}
	out := map[string]int64{}
	for _, k := range keys {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		p, err := db.FindPatientByID(ctx, id)
		if clinic.ErrorCode(err) == clinic.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if p.ClinicID == clinicID {
			out[k] = id
		}
	}
	return out, nil
}

// importFHIR creates a patient from a FHIR Bundle: the Patient, its body
// weights and heights and its CRPS conditions (as the first intake's
// presentation), in one transaction. Everything else the Bundle holds of
// the types ketatrack exports is skipped and counted; anything else is
// refused, naming the entry, the resource and the element.
func importFHIR(ctx context.Context, e *env, dbURL string, clinicID int64, asJSON bool, path string) int {
	if _, err := store.ParseLocation(dbURL); err != nil {
		return fail(e, "import", exitBadInput, err)
	}
	data, err := readAll(e, path)
	if err != nil {
		return fail(e, "import", exitBadInput, err)
	}
	parsed, err := fhir.Parse(data)
	if err != nil {
		return fail(e, "import", exitBadInput, fmt.Errorf("%s: %w; nothing was imported", path, err))
	}
	db, _, err := openDB(ctx, dbURL)
	if err != nil {
		return fail(e, "import", exitFailure, err)
	}
	defer db.Close()
	sys := clinic.NewContext(ctx, clinic.System)
	id, err := exportClinic(sys, db, clinicID)
	if err != nil {
		return fail(e, "import", exitBadInput, err)
	}
	parsed.Import.Patient.ClinicID = id
	p, err := db.ImportPatient(sys, parsed.Import)
	if err != nil {
		status := exitFailure
		if code := clinic.ErrorCode(err); code == clinic.EINVALID || code == clinic.ECONFLICT {
			status = exitBadInput
		}
		return fail(e, "import", status, fmt.Errorf("%s: %w; nothing was imported", path, parsed.Explain(err)))
	}
	in := parsed.Import
	if asJSON {
		doc := map[string]any{"file": path, "clinic_id": id, "patient_id": p.ID, "mrn": p.MRN, "weights": len(in.Weights),
			"heights": len(in.Heights), "intake": in.Presentation != nil, "skipped": parsed.Skipped}
		if err := json.NewEncoder(e.Stdout).Encode(doc); err != nil {
			return fail(e, "import", exitFailure, err)
		}
		return exitOK
	}
	fmt.Fprintf(e.Stdout, "imported patient %d (MRN %s, %s) into clinic %d: %d weights, %d heights",
		p.ID, p.MRN, p.FullName(), id, len(in.Weights), len(in.Heights))
	if in.Presentation != nil {
		fmt.Fprintf(e.Stdout, ", an intake with the CRPS presentation (%d limbs)", len(in.Presentation.AffectedLimbs))
	}
	fmt.Fprintln(e.Stdout)
	var kinds []string
	for k := range parsed.Skipped {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(e.Stdout, "  skipped %d %s\n", parsed.Skipped[k], k)
	}
	return exitOK
}
