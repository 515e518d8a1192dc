package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/document"
)

// The printed documents (issue 15): the signed plan for the infusion room,
// a session record, the letter to the referring doctor and the patient's
// discharge instructions. Each is one template (doc_*.html) executed in the
// print layout (_print.html): served as a printable page with print CSS, and
// printed to PDF by headless Chromium from the same template and data with
// the style sheets inline, so the page and the PDF cannot differ in content.
// Every document produced is audited (clinic.ActionPrint), with the SHA-256
// of the bytes handed out.

// docPage is what the print layout receives as page.Data.
type docPage struct {
	views
	Kind      clinic.DocumentKind
	Title     string // the document's heading
	Subject   string // a line under it, e.g. "Plan version 2 of course 3"
	Clinic    string
	Patient   *clinic.Patient
	PrintedBy string
	PrintedAt time.Time
	Paper     document.Paper
	// Inline holds the style sheets when the page is printed to PDF; the
	// printable page links them instead and shows the toolbar.
	Inline template.CSS
	// Banner is a warning repeated in the header of every page ("NOT
	// SIGNED").
	Banner string
	// Self is the printable page's path (without query), Back the screen
	// page the toolbar returns to.
	Self, Back string
	// PDF is the PDF's path; Query the request's parameters other than the
	// paper (a plan version, a session), kept by the toolbar's links.
	PDF   string
	Query url.Values
	Body  any
}

// Link is the printable page (or the PDF) of the same document on paper.
func (d *docPage) Link(paper string, pdf bool) string {
	q := url.Values{}
	for k, v := range d.Query {
		q[k] = v
	}
	q.Set("paper", paper)
	base := d.Self
	if pdf {
		base = d.PDF
	}
	return base + "?" + q.Encode()
}

// PaperName is the paper as printed.
func (d *docPage) PaperName() string {
	if d.Paper == document.Letter {
		return "US Letter"
	}
	return "A4"
}

// IsLetter reports whether the page is set for US Letter paper.
func (d *docPage) IsLetter() bool { return d.Paper == document.Letter }

// documents returns the service that audits printed documents.
func (s *Server) documents() (clinic.DocumentService, error) {
	d, ok := s.Patients.(clinic.DocumentService)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T records no printed documents", s.Patients)
	}
	return d, nil
}

// newDocPage starts a document for patient p, checking the actor may print
// it (a patient reading their own plan, staff anything of their clinic).
func (s *Server) newDocPage(r *http.Request, kind clinic.DocumentKind, p *clinic.Patient) (*docPage, error) {
	a := actor(r)
	if !clinic.CanPrintDocument(a, kind, p.ClinicID, p.ID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not print the %s.", kind.Title())
	}
	paper, err := document.ParsePaper(r.URL.Query().Get("paper"))
	if err != nil {
		return nil, clinic.Invalid("paper", "%v", err)
	}
	v := s.views()
	d := &docPage{views: v, Kind: kind, Title: kind.Title(), Patient: p, PrintedAt: v.now, Paper: paper, Query: url.Values{}}
	for k, vals := range r.URL.Query() {
		if k != "paper" {
			d.Query[k] = vals
		}
	}
	if a != nil {
		d.PrintedBy = a.Name
		if d.PrintedBy == "" {
			d.PrintedBy = a.Login
		}
	}
	if c, err := s.Clinics.FindClinicByID(r.Context(), p.ClinicID); err == nil {
		d.Clinic = c.Name
	}
	return d, nil
}

// printCSS is the style sheets of the print layout, inlined for the PDF.
func printCSS(paper document.Paper) (template.CSS, error) {
	var b bytes.Buffer
	for _, name := range []string{"static/print.css", "static/print-" + string(paper) + ".css"} {
		css, err := fs.ReadFile(staticFiles, name)
		if err != nil {
			return "", err
		}
		b.Write(css)
		b.WriteByte('\n')
	}
	return template.CSS(b.String()), nil // our own embedded files
}

// executeDoc runs template name in the print layout.
func (s *Server) executeDoc(r *http.Request, name string, d *docPage) ([]byte, error) {
	t, ok := s.templates.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %s", name)
	}
	var buf bytes.Buffer
	p := &page{Title: d.Title, Actor: actor(r), Path: r.URL.Path, Data: d, Status: http.StatusOK}
	if err := t.ExecuteTemplate(&buf, "print", p); err != nil {
		return nil, fmt.Errorf("document %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// serveDoc renders document template name as the printable page or, with
// asPDF, as a PDF; audits what it hands out as rec (completed here with the
// format, paper and digest); and writes it.
func (s *Server) serveDoc(w http.ResponseWriter, r *http.Request, name string, d *docPage, rec clinic.DocumentPrint, asPDF bool) error {
	docs, err := s.documents()
	if err != nil {
		return err
	}
	var out []byte
	if asPDF {
		if !s.Printer.Available() {
			return clinic.Errorf(clinic.EUNAVAILABLE, "%s", document.ErrNoChromium.Error())
		}
		if d.Inline, err = printCSS(d.Paper); err != nil {
			return err
		}
		html, err := s.executeDoc(r, name, d)
		if err != nil {
			return err
		}
		out, err = s.Printer.PDF(r.Context(), html, d.Paper)
		if errors.Is(err, document.ErrNoChromium) {
			return clinic.Errorf(clinic.EUNAVAILABLE, "%s", err.Error())
		}
		if err != nil {
			return err
		}
	} else if out, err = s.executeDoc(r, name, d); err != nil {
		return err
	}
	sum := sha256.Sum256(out)
	rec.Kind, rec.PatientID, rec.Paper = d.Kind, d.Patient.ID, string(d.Paper)
	rec.Format, rec.SHA256, rec.Bytes = "html", hex.EncodeToString(sum[:]), len(out)
	if asPDF {
		rec.Format = "pdf"
	}
	if err := docs.RecordPrint(r.Context(), &rec); err != nil {
		return err
	}
	if asPDF {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s.pdf"`, d.Kind, d.Patient.MRN))
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	return nil
}
