package fhir

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// The FHIR Bulk Data export format (https://hl7.org/fhir/uv/bulkdata/,
// "Bulk Data Output File Format"): one file per resource type, TYPE.ndjson,
// each line one resource as JSON, with a completion manifest listing the
// files and their counts.

// BulkWriter writes resources into a directory as NDJSON, one file per
// type. Files are written as TYPE.ndjson.partial and renamed when Close
// succeeds, so a failed export leaves no file that looks complete.
type BulkWriter struct {
	dir    string
	files  map[string]*bulkFile
	counts map[string]int
}

type bulkFile struct {
	f *os.File
	w *bufio.Writer
}

// NewBulkWriter writes into dir, which must exist and may not already hold
// an export (a manifest.json).
func NewBulkWriter(dir string) (*BulkWriter, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("out: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("out: %s is not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return nil, fmt.Errorf("out: %s already holds an export (manifest.json); choose an empty directory", dir)
	}
	return &BulkWriter{dir: dir, files: map[string]*bulkFile{}, counts: map[string]int{}}, nil
}

// Write appends r to its type's file.
func (b *BulkWriter) Write(r Resource) error {
	f := b.files[r.Type()]
	if f == nil {
		osf, err := os.Create(filepath.Join(b.dir, r.Type()+".ndjson.partial"))
		if err != nil {
			return err
		}
		f = &bulkFile{f: osf, w: bufio.NewWriterSize(osf, 64<<10)}
		b.files[r.Type()] = f
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%s/%s: %w", r.Type(), r.LogicalID(), err)
	}
	if _, err := f.w.Write(append(line, '\n')); err != nil {
		return err
	}
	b.counts[r.Type()]++
	return nil
}

// Counts returns the resources written so far by type.
func (b *BulkWriter) Counts() map[string]int { return b.counts }

// ManifestOutput is one file of a Bulk Data manifest.
type ManifestOutput struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

// Manifest is the Bulk Data completion manifest, written as manifest.json.
type Manifest struct {
	TransactionTime     string           `json:"transactionTime"`
	Request             string           `json:"request"`
	RequiresAccessToken bool             `json:"requiresAccessToken"`
	Output              []ManifestOutput `json:"output"`
	Error               []ManifestOutput `json:"error"`
}

// Close flushes and syncs every file, renames them into place and writes
// manifest.json with transaction time at. On error the partial files are
// removed.
func (b *BulkWriter) Close(at time.Time, request string) (*Manifest, error) {
	var err error
	types := make([]string, 0, len(b.files))
	for t, f := range b.files {
		types = append(types, t)
		if e := f.w.Flush(); e != nil && err == nil {
			err = e
		}
		if e := f.f.Sync(); e != nil && err == nil {
			err = e
		}
		if e := f.f.Close(); e != nil && err == nil {
			err = e
		}
	}
	sort.Strings(types)
	if err != nil {
		b.Abort()
		return nil, err
	}
	m := &Manifest{TransactionTime: instant(at), Request: request, Output: []ManifestOutput{}, Error: []ManifestOutput{}}
	for _, t := range types {
		name := t + ".ndjson"
		if err := os.Rename(filepath.Join(b.dir, name+".partial"), filepath.Join(b.dir, name)); err != nil {
			return nil, err
		}
		m.Output = append(m.Output, ManifestOutput{Type: t, URL: name, Count: b.counts[t]})
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(b.dir, "manifest.json"), append(raw, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// Abort closes and removes the partial files.
func (b *BulkWriter) Abort() {
	for t, f := range b.files {
		f.f.Close()
		os.Remove(filepath.Join(b.dir, t+".ndjson.partial"))
	}
}

// BulkStats are the figures of an export.
type BulkStats struct {
	Patients  int
	Rows      int // stored rows read (Record.Rows)
	Resources int
	// PatientIDs are the patients exported, in export order (for the
	// audit: 8 bytes a patient).
	PatientIDs []int64
}

// bulkPage is how many patients one read of the patient list takes.
const bulkPage = 500

// ExportClinic writes every patient of clinicID (0: every patient the
// actor may list) to w, one patient at a time so that memory stays bounded
// by the largest patient record, then the journal Questionnaire. progress,
// when not nil, is told after each patient how many of how many are done.
func ExportClinic(ctx context.Context, svc Services, clinicID int64, o Options, w *BulkWriter, progress func(done, total int)) (BulkStats, error) {
	var st BulkStats
	total, err := svc.Patients.CountPatients(ctx)
	if err != nil {
		return st, err
	}
	seen := 0
	for f := (clinic.PatientFilter{Limit: bulkPage}); ; {
		page, next, err := svc.Patients.FindPatients(ctx, f)
		if err != nil {
			return st, err
		}
		for _, p := range page {
			seen++
			if clinicID != 0 && p.ClinicID != clinicID {
				continue
			}
			if err := ctx.Err(); err != nil {
				return st, err
			}
			rec, err := GatherPatient(ctx, svc, p)
			if err != nil {
				return st, err
			}
			st.Patients++
			st.PatientIDs = append(st.PatientIDs, p.ID)
			st.Rows += rec.Rows()
			for _, r := range Map(rec, o) {
				if err := w.Write(r); err != nil {
					return st, err
				}
				st.Resources++
			}
			if progress != nil {
				progress(seen, total)
			}
		}
		if next == nil {
			break
		}
		f.After = next
	}
	if st.Patients > 0 {
		if err := w.Write(JournalQuestionnaire()); err != nil {
			return st, err
		}
		st.Resources++
	}
	return st, nil
}
