package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

func init() {
	register(&command{
		Name:     "audit",
		Synopsis: "audit [--db URL] [--patient ID] [--limit N] [--json]",
		Summary:  "Print the audit log, newest first: who changed what, when, before and after.",
		Run:      runAudit,
	})
}

func runAudit(ctx context.Context, e *env, args []string) int {
	c := commands["audit"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	patient := fs.String("patient", "", "only entries about this patient ID")
	limit := fs.Int("limit", 100, "at most this many entries (1–1000)")
	asJSON := fs.Bool("json", false, "print one JSON document {\"entries\": [...]} on stdout")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "audit", exitBadInput, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	f := clinic.AuditFilter{Limit: *limit}
	if *limit < 1 || *limit > 1000 {
		return fail(e, "audit", exitBadInput, fmt.Errorf("limit: %d is outside 1–1000", *limit))
	}
	if *patient != "" {
		id, err := strconv.ParseInt(*patient, 10, 64)
		if err != nil || id <= 0 {
			return fail(e, "audit", exitBadInput, fmt.Errorf("patient: %q is not a patient ID", *patient))
		}
		f.PatientID = id
	}
	db, _, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "audit", exitFailure, err)
	}
	defer db.Close()
	// The operator at the command line holds the database itself: System.
	entries, err := db.FindAuditEntries(clinic.NewContext(ctx, clinic.System), f)
	if err != nil {
		return fail(e, "audit", exitFailure, err)
	}
	if *asJSON {
		if entries == nil {
			entries = []*clinic.AuditEntry{}
		}
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"entries": entries}); err != nil {
			return fail(e, "audit", exitFailure, err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT (UTC)\tACTOR\tACTION\tRECORD\tPATIENT\tCHANGE")
	for _, en := range entries {
		rec := en.Entity
		if en.EntityID != 0 {
			rec += " " + strconv.FormatInt(en.EntityID, 10)
		}
		pat := ""
		if en.PatientID != 0 {
			pat = strconv.FormatInt(en.PatientID, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", en.ID, en.At.UTC().Format("2006-01-02 15:04:05"),
			en.ActorLogin, en.Action, rec, pat, changeSummary(en))
	}
	if err := tw.Flush(); err != nil {
		return fail(e, "audit", exitFailure, err)
	}
	return exitOK
}

// changeSummary names the fields that differ between before and after.
func changeSummary(en *clinic.AuditEntry) string {
	var before, after map[string]any
	_ = json.Unmarshal(en.Before, &before)
	_ = json.Unmarshal(en.After, &after)
	if before == nil {
		if after == nil {
			return ""
		}
		return "created"
	}
	var changed []string
	for k, v := range after {
		if k == "updated_at" {
			continue
		}
		if fmt.Sprint(before[k]) != fmt.Sprint(v) {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return "no field changed"
	}
	sort.Strings(changed)
	return "changed " + fmt.Sprint(changed)
}
