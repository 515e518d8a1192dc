package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// relapsePageSize is small, so that the scaled clinics of the tests need
// several pages and ties of relapse_on cross page ends.
const relapsePageSize = 3

// allRelapses is the whole relapse list of the clinic of ctx, read by
// pages of relapsePageSize following the keys. It checks that the whole
// list read at once (limit 0) is the same, and that every page reports
// the same total.
func allRelapses(t *testing.T, s *Server, ctx context.Context) []relapseRow {
	t.Helper()
	whole, next, total, err := s.relapsePage(ctx, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if next != nil || total != len(whole) {
		t.Fatalf("the whole relapse list: %d rows, total %d, next %v", len(whole), total, next)
	}
	var paged []relapseRow
	var after *store.RelapseKey
	for pages := 0; ; pages++ {
		list, next, n, err := s.relapsePage(ctx, after, relapsePageSize)
		if err != nil {
			t.Fatal(err)
		}
		if n != total || len(list) > relapsePageSize || (next != nil && len(list) != relapsePageSize) {
			t.Fatalf("page %d: %d rows, total %d (want %d), next %v", pages, len(list), n, total, next)
		}
		paged = append(paged, list...)
		if next == nil {
			break
		}
		if pages > total {
			t.Fatalf("the pages do not end after %d pages of %d rows", pages, total)
		}
		after = next
	}
	if len(whole) == 0 {
		whole = []relapseRow{}
	}
	if len(paged) == 0 {
		paged = []relapseRow{}
	}
	if !reflect.DeepEqual(paged, whole) {
		t.Fatalf("the relapse list by pages of %d (%d rows) differs from the whole list (%d rows)", relapsePageSize, len(paged), len(whole))
	}
	return whole
}

// TestRelapseListPages: on both engines, a scaled clinic with more relapses
// than the dashboard lists: the dashboard shows the dashboardRelapses most
// recent (those of the whole list, in its order) and counts the rest with a
// link to /relapses; /relapses shows them all with the total; the API's
// pages of 7, followed by their next, give the whole list once, in order;
// a cursor that is not one is refused on field "after".
func TestRelapseListPages(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 64, Seed: 7, End: setAnalyticsEnd}); err != nil {
				t.Fatalf("scale: %v", err)
			}
			db.Now = func() time.Time { return setAnalyticsEnd }
			s, err := New(Config{Auth: db, Clinics: db, Patients: db, Users: db, Audit: db,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: db.Now})
			if err != nil {
				t.Fatal(err)
			}
			clin := clinicianCtx(t, clinic.NewContext(context.Background(), clinic.System), db)
			want := allRelapses(t, s, clin)
			if len(want) <= dashboardRelapses {
				t.Fatalf("the clinic has %d relapses, no more than the dashboard's %d", len(want), dashboardRelapses)
			}
			get := func(h func(http.ResponseWriter, *http.Request) error, target string) (string, error) {
				w := httptest.NewRecorder()
				err := h(w, httptest.NewRequestWithContext(clin, "GET", target, nil))
				return w.Body.String(), err
			}
			// mrnsIn is the order in which the relapse list's MRNs appear.
			mrnsIn := func(page string) []string {
				var out []string
				for _, r := range want {
					if i := strings.Index(page, "<code>"+template.HTMLEscapeString(r.MRN)+"</code>"); i >= 0 {
						out = append(out, r.MRN)
					}
				}
				sort.SliceStable(out, func(i, j int) bool {
					return strings.Index(page, "<code>"+out[i]+"</code>") < strings.Index(page, "<code>"+out[j]+"</code>")
				})
				return out
			}
			mrns := func(rows []relapseRow) []string {
				out := make([]string, len(rows))
				for i, r := range rows {
					out[i] = r.MRN
				}
				return out
			}

			page, err := get(s.dashboardPage, "/dashboard")
			if err != nil {
				t.Fatal(err)
			}
			if got, w := mrnsIn(page), mrns(want[:dashboardRelapses]); !reflect.DeepEqual(got, w) {
				t.Errorf("dashboard lists %v, want the %d most recent %v", got, dashboardRelapses, w)
			}
			if text := fmt.Sprintf("The %d most recent of %d:", dashboardRelapses, len(want)); !strings.Contains(page, text) || !strings.Contains(page, `href="/relapses"`) {
				t.Errorf("dashboard lacks %q and the link to /relapses", text)
			}

			page, err = get(s.relapsesPage, "/relapses")
			if err != nil {
				t.Fatal(err)
			}
			if got, w := mrnsIn(page), mrns(want); !reflect.DeepEqual(got, w) {
				t.Errorf("/relapses lists %v, want %v", got, w)
			}
			if text := fmt.Sprintf("%d patients whose latest relief", len(want)); !strings.Contains(page, text) {
				t.Errorf("/relapses lacks %q", text)
			}

			var paged []relapseRow
			next := ""
			for pages := 0; pages <= len(want); pages++ {
				body, err := get(s.apiRelapses, "/api/v1/relapses?limit=7&after="+next)
				if err != nil {
					t.Fatal(err)
				}
				var l struct {
					Relapses []relapseRow `json:"relapses"`
					Total    int          `json:"total"`
					Next     string       `json:"next"`
				}
				if err := json.Unmarshal([]byte(body), &l); err != nil {
					t.Fatal(err)
				}
				if l.Total != len(want) {
					t.Fatalf("API page %d: total %d, want %d", pages, l.Total, len(want))
				}
				paged = append(paged, l.Relapses...)
				if next = l.Next; next == "" {
					break
				}
			}
			if got, w := mrns(paged), mrns(want); !reflect.DeepEqual(got, w) {
				t.Errorf("the API's pages of 7 give %v, want %v", got, w)
			}

			if _, err := get(s.apiRelapses, "/api/v1/relapses?after=bm90LWEta2V5"); clinic.ErrorField(err) != "after" {
				t.Errorf("a cursor that is not one: %v, want an error on field after", err)
			}
		})
	}
}
