package protocol

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// seedDir is where the seeds live beside the project (shared/reference).
const seedDir = "../../../shared/reference/seeds"

// alnum keeps lower-case letters and digits only, so that a quotation
// matches its seed across line breaks, hyphenation and punctuation ("pe-\nriod",
// "0.35 mg/kg/h" vs "0.35mg/kg/h").
func alnum(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quoteRE finds a quotation: an opening quote after a space, colon or
// parenthesis (not an apostrophe such as "table's").
var quoteRE = regexp.MustCompile(`(?:^|[\s(:])'([^']{6,})'`)

// forEachSource calls fn with every source string of a protocol and the
// path of its field.
func forEachSource(p *Protocol, fn func(path, src string)) {
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			t := v.Type()
			for i := 0; i < v.NumField(); i++ {
				if !t.Field(i).IsExported() {
					continue
				}
				name := t.Field(i).Name
				f := v.Field(i)
				if name == "Source" && f.Kind() == reflect.String && f.String() != "" {
					fn(path+".Source", f.String())
					continue
				}
				walk(path+"."+name, f)
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(path+"["+string(rune('0'+i%10))+"]", v.Index(i))
			}
		}
	}
	walk(p.ID, reflect.ValueOf(p).Elem())
}

// Every quotation in a source ('...') that cites a seed must be found
// verbatim (up to punctuation and line breaks) in that seed: a transcription
// slip in a dose or a schedule fails here.
func TestQuotationsAreInTheirSeeds(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string]string{}
	checked := 0
	for _, p := range lib.Protocols() {
		forEachSource(p, func(path, src string) {
			// A source may cite several references, "001 ...; 003 ...":
			// each segment is checked against its own.
			key := sourceKey(src)
			for _, seg := range strings.Split(src, "; ") {
				if _, ok := p.References[sourceKey(seg)]; ok {
					key = sourceKey(seg)
				}
				ref := p.References[key]
				if ref.Seed == "" {
					continue // a publication read elsewhere, not a seed file
				}
				text, ok := seeds[ref.Seed]
				if !ok {
					data, err := os.ReadFile(filepath.Join(seedDir, ref.Seed))
					if err != nil {
						t.Fatalf("seed %s: %v", ref.Seed, err)
					}
					text = alnum(strings.ReplaceAll(string(data), `\pm`, "±"))
					seeds[ref.Seed] = text
				}
				checked += checkQuotes(t, path, seg, ref.Seed, text)
			}
		})
	}
	if checked < 100 {
		t.Errorf("only %d quotations checked", checked)
	}
}

// checkQuotes checks every quotation of one source segment against the
// normalised seed text and returns how many it checked.
func checkQuotes(t *testing.T, path, seg, seed, text string) int {
	t.Helper()
	checked := 0
	for _, m := range quoteRE.FindAllStringSubmatch(seg, -1) {
		for _, part := range strings.Split(m[1], "...") {
			if len(alnum(part)) < 4 {
				continue
			}
			checked++
			if !strings.Contains(text, alnum(part)) {
				t.Errorf("%s: %q is not in %s", path, part, seed)
			}
		}
	}
	return checked
}
