package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
)

// export KIND: one subcommand, a small registry of kinds. A kind is a file
// of its own (export.go holds fhir) that calls registerExport from init;
// the kind parses its own flags.

// exportKind is one kind of export.
type exportKind struct {
	// Name selects the kind: "ketatrack export NAME".
	Name string
	// Synopsis is the usage after "export", e.g. "fhir --out DIR [--db URL]".
	Synopsis string
	// Summary is one sentence for the list of kinds.
	Summary string
	// Run executes the kind with the arguments after its name.
	Run func(ctx context.Context, e *env, k *exportKind, args []string) int
}

var exportKinds = map[string]*exportKind{}

// registerExport adds a kind of export; call it from an init function.
func registerExport(k *exportKind) {
	if _, dup := exportKinds[k.Name]; dup {
		panic("ketatrack: export kind registered twice: " + k.Name)
	}
	exportKinds[k.Name] = k
}

func init() {
	register(&command{
		Name:     "export",
		Synopsis: "export KIND [flags] (ketatrack export KIND --help for its flags)",
		Summary:  "Export the clinic's records for another system; every export is audited. Kinds: see ketatrack export --help.",
		Run:      runExport,
	})
	registerExport(&exportKind{
		Name:     "fhir",
		Synopsis: "fhir --out DIR [--db URL] [--clinic ID] [--mrn-system URI] [--json]",
		Summary: "Write every patient record of the clinic as FHIR R4 Bulk Data NDJSON (TYPE.ndjson per resource type and manifest.json) into DIR, " +
			"one patient at a time; progress on a terminal.",
		Run: runExportFHIR,
	})
}

func exportKindList() string {
	names := make([]string, 0, len(exportKinds))
	for n := range exportKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Kinds:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, exportKinds[n].Summary)
	}
	return b.String()
}

func runExport(ctx context.Context, e *env, args []string) int {
	c := commands["export"]
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		out := e.Stdout
		status := exitOK
		if len(args) == 0 {
			out, status = e.Stderr, exitBadInput
		}
		fmt.Fprintf(out, "Usage: ketatrack %s\n\n%s\n\n%s", c.Synopsis, c.Summary, exportKindList())
		return status
	}
	k := exportKinds[args[0]]
	if k == nil {
		fmt.Fprint(e.Stderr, exportKindList())
		return fail(e, "export", exitBadInput, fmt.Errorf("KIND: %q is not a kind of export", args[0]))
	}
	return k.Run(ctx, e, k, args[1:])
}

// exportClinic resolves --clinic: the one clinic of the database, or the
// one named (as import does).
func exportClinic(ctx context.Context, db *store.DB, id int64) (int64, error) {
	if id == 0 {
		ids, err := db.ClinicIDs(ctx)
		if err != nil {
			return 0, err
		}
		if len(ids) != 1 {
			return 0, clinic.Invalid("clinic", "the database holds %d clinics; name one with --clinic", len(ids))
		}
		return ids[0], nil
	}
	if _, err := db.FindClinicByID(ctx, id); err != nil {
		return 0, clinic.Invalid("clinic", "%d: %s", id, clinic.ErrorMessage(err))
	}
	return id, nil
}

func runExportFHIR(ctx context.Context, e *env, k *exportKind, args []string) int {
	name := "export " + k.Name
	c := &command{Name: name, Synopsis: "export " + k.Synopsis, Summary: k.Summary}
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	out := fs.String("out", "", "directory to write TYPE.ndjson files and manifest.json into (must exist, without an earlier export)")
	clinicID := fs.Int64("clinic", 0, "the clinic to export (required when the database holds more than one)")
	mrnSystem := fs.String("mrn-system", e.Getenv("KETATRACK_FHIR_MRN_SYSTEM"), "identifier system URI of the clinic's MRNs, as the receiving EHR knows it, e.g. urn:oid:… (env KETATRACK_FHIR_MRN_SYSTEM, which serve uses too); default "+fhir.DefaultMRNSystem(1)+" for clinic 1")
	asJSON := fs.Bool("json", false, `print one JSON document on stdout: {"out", "clinic_id", "patients", "rows", "resources", "seconds", "manifest"}`)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) != 0 {
		return fail(e, name, exitBadInput, fmt.Errorf("arguments: unexpected %q", strings.Join(pos, " ")))
	}
	if *out == "" {
		return fail(e, name, exitBadInput, errors.New("out: required: the directory to write the NDJSON files into"))
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, name, exitBadInput, err)
	}
	w, err := fhir.NewBulkWriter(*out)
	if err != nil {
		return fail(e, name, exitBadInput, err)
	}
	db, _, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, name, exitFailure, err)
	}
	defer db.Close()
	sys := clinic.NewContext(ctx, clinic.System)
	id, err := exportClinic(sys, db, *clinicID)
	if err != nil {
		return fail(e, name, exitBadInput, err)
	}
	svc, err := fhir.ServicesOf(db)
	if err != nil {
		return fail(e, name, exitFailure, err)
	}
	var opts fhir.Options
	if *mrnSystem != "" {
		sysURI := *mrnSystem
		opts.MRNSystem = func(int64) string { return sysURI }
	}
	var progress func(done, total int)
	if e.StderrIsTerminal {
		progress = progressBar(e.Stderr)
	}
	start := db.Now()
	st, err := fhir.ExportClinic(sys, svc, id, opts, w, progress)
	if progress != nil {
		fmt.Fprintln(e.Stderr)
	}
	if err != nil {
		w.Abort()
		return fail(e, name, exitFailure, fmt.Errorf("%w; no export was written", err))
	}
	m, err := w.Close(start, fmt.Sprintf("ketatrack export fhir --clinic %d", id))
	if err != nil {
		return fail(e, name, exitFailure, fmt.Errorf("%w; no export was written", err))
	}
	elapsed := db.Now().Sub(start)
	if err := db.AuditBulkExport(sys, id, st.PatientIDs, clinic.Export{Format: "fhir-r4-ndjson", Operation: "bulk", Resources: w.Counts()}); err != nil {
		return fail(e, name, exitFailure, fmt.Errorf("the export was written to %s but could not be audited: %w", *out, err))
	}
	if *asJSON {
		doc := map[string]any{"out": *out, "clinic_id": id, "patients": st.Patients, "rows": st.Rows, "resources": st.Resources,
			"seconds": elapsed.Seconds(), "manifest": m}
		if err := json.NewEncoder(e.Stdout).Encode(doc); err != nil {
			return fail(e, name, exitFailure, err)
		}
		return exitOK
	}
	fmt.Fprintf(e.Stdout, "exported %d patients of clinic %d: %d resources from %d rows in %s into %s\n",
		st.Patients, id, st.Resources, st.Rows, elapsed.Round(time.Millisecond), *out)
	for _, o := range m.Output {
		fmt.Fprintf(e.Stdout, "  %-34s %8d\n", o.URL, o.Count)
	}
	return exitOK
}
