package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

//go:embed templates/*.html
var templateFiles embed.FS

// templates holds one parsed template set per page: the layout and the
// partials (files whose names start with "_") plus the page's own file.
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates(funcs template.FuncMap) (*templates, error) {
	base := template.New("").Funcs(funcs)
	entries, err := fs.ReadDir(templateFiles, "templates")
	if err != nil {
		return nil, err
	}
	var pages []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "_") || name == "layout.html" {
			if _, err := base.ParseFS(templateFiles, "templates/"+name); err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
		} else {
			pages = append(pages, name)
		}
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range pages {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFiles, "templates/"+name); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		t.pages[strings.TrimSuffix(name, ".html")] = clone
	}
	return t, nil
}

// page is what every template receives.
type page struct {
	Title  string
	Actor  *clinic.Actor
	Nav    []navItem
	Path   string
	Flash  string
	Data   any
	Form   *form
	Status int
}

// form holds a submitted form's values and its errors by field, so that a
// page shows the user what they typed and what was wrong with it.
type form struct {
	Values map[string]string
	Errors map[string]string
	Error  string // an error not tied to one field
}

func newForm() *form { return &form{Values: map[string]string{}, Errors: map[string]string{}} }

// Get returns the value of field.
func (f *form) Get(field string) string {
	if f == nil {
		return ""
	}
	return f.Values[field]
}

// Err returns the error message for field.
func (f *form) Err(field string) string {
	if f == nil {
		return ""
	}
	return f.Errors[field]
}

// setErr records err on its field (or as the form's error).
func (f *form) setErr(err error) {
	if field := clinic.ErrorField(err); field != "" {
		f.Errors[field] = strings.TrimPrefix(clinic.ErrorMessage(err), field+": ")
		return
	}
	f.Error = clinic.ErrorMessage(err)
}

// render executes page name inside the layout. Templates are executed into
// a buffer first, so a template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	s.renderTemplate(w, r, status, name, "layout", p)
}

// renderPartial executes only the template block of page name: the
// fragment an htmx request asked for.
func (s *Server) renderPartial(w http.ResponseWriter, r *http.Request, name, block string, p *page) {
	s.renderTemplate(w, r, http.StatusOK, name, block, p)
}

func (s *Server) renderTemplate(w http.ResponseWriter, r *http.Request, status int, name, block string, p *page) {
	t, ok := s.templates.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	p.Actor = clinic.ActorFrom(r.Context())
	p.Nav = navFor(p.Actor, r.URL.Path)
	p.Path = r.URL.Path
	p.Status = status
	if p.Flash == "" {
		p.Flash = r.URL.Query().Get("flash")
		if len(p.Flash) > 200 {
			p.Flash = ""
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		s.logger.Error("template", "page", name, "error", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"date": func(d clinic.Date) string { return d.String() },
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(s.Location).Format("2006-01-02 15:04")
		},
		"isodatetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"age": func(p *clinic.Patient) int {
			return p.Age(s.today())
		},
		"roles":    func() []clinic.Role { return clinic.Roles },
		"sexes":    func() []clinic.Sex { return clinic.Sexes },
		"isStaff":  func(a *clinic.Actor) bool { return a != nil && a.Role.IsStaff() },
		"canAudit": func(a *clinic.Actor) bool { return a != nil && clinic.CanReadAudit(a, a.ClinicID) },
		"query": func(kv ...any) template.URL {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if s := fmt.Sprint(kv[i+1]); s != "" && s != "0" {
					v.Set(fmt.Sprint(kv[i]), s)
				}
			}
			return template.URL(v.Encode())
		},
		"add":        func(a, b int) int { return a + b },
		"sub":        func(a, b int) int { return a - b },
		"static":     func(p string) string { return path.Join("/static", p) },
		"prettyJSON": prettyJSON,
		"field": func(f *form, name, label, typ string, required bool, autocomplete string) fieldView {
			return fieldView{Name: name, Label: label, Type: typ, Required: required, Autocomplete: autocomplete,
				Value: f.Get(name), Err: f.Err(name)}
		},
	}
}

// fieldView is one input of a form, for the "input" partial (_form.html).
type fieldView struct {
	Name, Label, Type, Value, Err, Autocomplete string
	Required                                    bool
}

// urlQueryEscape escapes s for a query parameter (flash messages, next=).
func urlQueryEscape(s string) string { return url.QueryEscape(s) }
