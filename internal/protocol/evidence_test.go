package protocol

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// rawLinks reads the id and evidence list of every file in data/ with a
// decoder of its own, not through Library: the reference the accessors are
// compared with.
func rawLinks(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("data/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("data/*.yaml: %v (%d files)", err, len(files))
	}
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ID       string   `yaml:"id"`
			Evidence []string `yaml:"evidence"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[doc.ID] = doc.Evidence
	}
	return out
}

func protocolIDs(ps []*Protocol) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// For every protocol, every entry it cites lists it; for every entry,
// every protocol it lists cites it. Both directions are computed from the
// data files (rawLinks) and compared with Cites and CitedBy over the whole
// library.
func TestCitesAndCitedByAreInverse(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	raw := rawLinks(t)
	inverse := map[string][]string{} // entry ID -> protocol IDs, from the files
	for pid, ids := range raw {
		for _, id := range ids {
			inverse[id] = append(inverse[id], pid)
		}
	}
	if len(raw) != len(lib.Protocols()) {
		t.Fatalf("%d data files, %d protocols in the library", len(raw), len(lib.Protocols()))
	}
	for _, p := range lib.Protocols() {
		var cited []string
		for _, e := range lib.Cites(p) {
			cited = append(cited, e.ID)
			if !slices.Contains(protocolIDs(lib.CitedBy(e.ID)), p.ID) {
				t.Errorf("%s cites %s, which does not list it among %v", p.ID, e.ID, protocolIDs(lib.CitedBy(e.ID)))
			}
		}
		if !slices.Equal(cited, raw[p.ID]) {
			t.Errorf("Cites(%s) = %v, its file lists %v", p.ID, cited, raw[p.ID])
		}
	}
	studies := 0
	for _, e := range lib.Evidence().Entries() {
		by := protocolIDs(lib.CitedBy(e.ID))
		want := append([]string(nil), inverse[e.ID]...)
		sort.Strings(want)
		if !slices.Equal(by, want) && !(len(by) == 0 && len(want) == 0) {
			t.Errorf("CitedBy(%s) = %v, the files give %v", e.ID, by, want)
		}
		for _, p := range lib.CitedBy(e.ID) {
			if !slices.Contains(p.Evidence, e.ID) {
				t.Errorf("%s lists %s, which does not cite it (%v)", e.ID, p.ID, p.Evidence)
			}
		}
		// Every entry of the seeds was made into a protocol.
		if len(by) == 0 {
			t.Errorf("no protocol cites %s", e.ID)
		}
		if e.Kind == "study" {
			studies++
		}
	}
	// 001 Table 1 has 14 rows.
	if studies != 14 {
		t.Errorf("%d studies, want the 14 of 001 Table 1", studies)
	}
	if got := lib.CitedBy("no-such-entry"); got == nil || len(got) != 0 {
		t.Errorf("CitedBy of an unknown entry = %#v, want an empty slice", got)
	}
}

// regimenChoiceSource is the source validate gives the choices of the
// "regimen" key it adds to a protocol with several regimens: the protocol
// itself.
const regimenChoiceSource = "the protocol's regimens"

// refLike is a token that names a reference: a seed number or a trial
// registration.
var refLike = regexp.MustCompile(`^([0-9]{3}|NCT[0-9]{8})$`)

// No dangling references: every source of every protocol (each "; "
// segment) cites only the protocol's own references; every reference is a
// seed of the evidence library (a known study or case document) or a
// publication with its citation; every reference is cited by some source;
// every evidence ID resolves.
func TestSourcesResolveToKnownDocuments(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string]bool{}
	for _, r := range lib.Evidence().References {
		seeds[r.Seed] = true
	}
	checked := 0
	for _, p := range lib.Protocols() {
		used := map[string]bool{}
		forEachSource(p, func(path, src string) {
			checked++
			refs := p.SourceRefs(src)
			if len(refs) == 0 && src != regimenChoiceSource {
				t.Errorf("%s: %q cites no reference of %s (%v)", path, src, p.ID, slices.Sorted(maps.Keys(p.References)))
			}
			for _, k := range refs {
				used[k] = true
			}
			for _, seg := range strings.Split(src, "; ") {
				if k := sourceKey(seg); refLike.MatchString(k) {
					if _, ok := p.References[k]; !ok {
						t.Errorf("%s: segment %q names %s, not a reference of %s", path, seg, k, p.ID)
					}
				}
			}
		})
		for k, r := range p.References {
			switch {
			case r.Seed != "" && !seeds[r.Seed]:
				t.Errorf("%s: reference %s is seed %s, which the evidence library was not read from", p.ID, k, r.Seed)
			case strings.TrimSpace(r.Citation) == "":
				t.Errorf("%s: reference %s has no citation", p.ID, k)
			case !used[k]:
				t.Errorf("%s: reference %s is cited by no source", p.ID, k)
			}
		}
		if len(lib.Cites(p)) != len(p.Evidence) || len(p.Evidence) == 0 {
			t.Errorf("%s: evidence %v resolves to %d entries", p.ID, p.Evidence, len(lib.Cites(p)))
		}
	}
	if checked < 250 {
		t.Errorf("only %d sources checked", checked)
	}
}

func TestSourceRefs(t *testing.T) {
	p := &Protocol{References: map[string]Reference{"001": {}, "003": {}, "NCT00579085": {}}}
	for _, c := range []struct {
		src  string
		want []string
	}{
		{"003 Methods: 'clonidine 0.1 mg orally'", []string{"003"}},
		{"001 Table 1; 003 Methods", []string{"001", "003"}},
		{"001 Discussion; 001 Table 1", []string{"001"}},
		// A segment that starts with no key continues the one before.
		{"003 Methods: 'a'; 'b'", []string{"003"}},
		{"NCT00579085 arm descriptions", []string{"NCT00579085"}},
		{"003, Results", []string{"003"}},
		{"the protocol's regimens", []string{}},
		{"004 Abstract", []string{}},
	} {
		if got := p.SourceRefs(c.src); !slices.Equal(got, c.want) {
			t.Errorf("SourceRefs(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}

// The summaries are those of `ketatrack protocols` (the CLI's list, whose
// output these strings were copied from on 2026-12-06).
func TestDoseAndScheduleText(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, dose, schedule string }{
		{"goldberg-2005", "infusion 40mg over the session -> 80mg (step unspecified (daily-step))", "10 session(s) of 4h, weekdays"},
		{"dworkin-2021-case", "opioid-taper: infusion 320mg over the session; post-amputation: infusion 320mg over the session -> 360mg (step 320mg,360mg)",
			"opioid-taper: 10 session(s) of 4h, every unspecified (interval); post-amputation: 2 session(s) of 4h, every 10d"},
		{"sigtermans-2010", "7 pulses of 5min every 20min, from 0.02mg/kg -> 0.15mg/kg (step unspecified (pulse-doses))", "1 session(s) of 125min, consecutive"},
		{"kiefer-2008-anesthetic", "bolus unspecified (induction-bolus); infusion 3mg/kg/h -> 7mg/kg/h (step unspecified (daily-step))", "continuous 5d"},
		{"kirkpatrick-2020", "lower-limb: infusion 60mg/h -> 200mg/h (step unspecified (daily-step)); upper-limb: infusion 60mg/h -> 200mg/h (step unspecified (daily-step))",
			"lower-limb: 4 session(s) of unspecified (hours-per-day), consecutive; upper-limb: unspecified (days) session(s) of unspecified (hours-per-day), consecutive"},
		{"schwartzman-2009", "infusion 0.35mg/kg/h", "10 session(s) of 4h, consecutive"},
	} {
		p, ok := lib.Lookup(c.id)
		if !ok {
			t.Fatalf("no protocol %s", c.id)
		}
		if got := p.DoseText(); got != c.dose {
			t.Errorf("%s DoseText\n got %q\nwant %q", c.id, got, c.dose)
		}
		if got := p.ScheduleText(); got != c.schedule {
			t.Errorf("%s ScheduleText\n got %q\nwant %q", c.id, got, c.schedule)
		}
	}
}
