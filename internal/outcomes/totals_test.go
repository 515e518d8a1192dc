package outcomes_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// byPatient groups rows by patient identifier (a number in these tests).
func byPatient(t *testing.T, rows []outcomes.JournalRow) map[int64][]outcomes.JournalRow {
	t.Helper()
	out := map[int64][]outcomes.JournalRow{}
	ids := map[string]int64{}
	for _, r := range rows {
		id, ok := ids[r.Patient]
		if !ok {
			id = int64(len(ids) + 1)
			ids[r.Patient] = id
		}
		out[id] = append(out[id], r)
	}
	return out
}

// totalsOf adds every patient's rows.
func totalsOf(patients map[int64][]outcomes.JournalRow) *outcomes.Totals {
	t := &outcomes.Totals{}
	for id, rows := range patients {
		t.Add(id, rows, 1)
	}
	return t
}

// reportOf is the report of totals whose encoding is decoded again, given
// every patient's rows.
func reportOf(t *testing.T, tot *outcomes.Totals, patients map[int64][]outcomes.JournalRow) outcomes.Report {
	t.Helper()
	dec, err := outcomes.DecodeTotals(tot.Encode(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec.Encode(nil), tot.Encode(nil)) {
		t.Fatal("decoding and encoding again changed the totals")
	}
	complete := map[int64][]outcomes.JournalRow{}
	for _, id := range dec.Complete() {
		complete[id] = patients[id]
	}
	rep, err := dec.Report(complete)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestTotalsReportIsAnalyze: on every journal of testdata and on random
// journals (ties, gaps, complete and incomplete patients, one-day measures),
// the report of the totals of the patients' rows is exactly Analyze's
// (reflect.DeepEqual, so every float's bits), also after patients are taken
// away and added back in another order, and after one patient's rows
// change.
func TestTotalsReportIsAnalyze(t *testing.T) {
	journals := map[string][]outcomes.JournalRow{}
	for _, name := range journalGoldens {
		journals[name] = readJournalFile(t, "testdata/"+name+".csv")
	}
	rng := rand.New(rand.NewPCG(16, 1))
	for j := range 6 {
		var rows []outcomes.JournalRow
		patients, days := 1+rng.IntN(70), 1+rng.IntN(40)
		for p := range patients {
			for d := 1; d <= days; d++ {
				if j%2 == 1 && rng.IntN(4) == 0 {
					continue // a gap: some patients are incomplete
				}
				r := outcomes.NewJournalRow(strconv.Itoa(p), d)
				for _, m := range outcomes.Measures() {
					if rng.IntN(8) == 0 {
						continue
					}
					// Few levels: ties.
					r.Scores[m] = outcomes.Score(rng.IntN(5) * int(m.Max()) / 4)
				}
				rows = append(rows, r)
			}
		}
		journals["random "+strconv.Itoa(j)] = rows
	}
	for name, rows := range journals {
		want, err := outcomes.Analyze(rows)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		patients := byPatient(t, rows)
		tot := totalsOf(patients)
		if got := reportOf(t, tot, patients); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: report of the totals\n%+v\nwant Analyze's\n%+v", name, got, want)
			continue
		}
		// Take half the patients away and add them back.
		var gone []int64
		for id := range patients {
			if id%2 == 0 {
				gone = append(gone, id)
				tot.Add(id, patients[id], -1)
			}
		}
		for i := len(gone) - 1; i >= 0; i-- {
			tot.Add(gone[i], patients[gone[i]], 1)
		}
		if !bytes.Equal(tot.Encode(nil), totalsOf(patients).Encode(nil)) {
			t.Errorf("%s: the totals after taking patients away and adding them back differ", name)
		}
		// One patient's rows change: its first day's pain is 10 and its
		// last row is gone.
		id := int64(1)
		old := patients[id]
		changed := append([]outcomes.JournalRow(nil), old[:len(old)-1]...)
		if len(changed) > 0 {
			changed[0].Scores[outcomes.PainNow] = 1000
		}
		tot.Add(id, old, -1)
		tot.Add(id, changed, 1)
		patients[id] = changed
		var all []outcomes.JournalRow
		for _, rs := range patients {
			all = append(all, rs...)
		}
		if want, err = outcomes.Analyze(all); err != nil {
			t.Fatal(err)
		}
		if got := reportOf(t, tot, patients); !reflect.DeepEqual(got, want) {
			t.Errorf("%s after a change: report of the totals\n%+v\nwant Analyze's\n%+v", name, got, want)
		}
	}
}

// TestTotalsRefuseMissingRows: Report without the rows of a complete
// patient, or with rows that are not the ones added, is an error.
func TestTotalsRefuseMissingRows(t *testing.T) {
	rows := readJournalFile(t, "testdata/journal_small.csv")
	patients := byPatient(t, rows)
	tot := totalsOf(patients)
	if len(tot.Complete()) == 0 {
		t.Fatal("journal_small has no complete patient")
	}
	if _, err := tot.Report(nil); err == nil {
		t.Error("a report without the complete patients' rows")
	}
	short := map[int64][]outcomes.JournalRow{}
	for _, id := range tot.Complete() {
		short[id] = patients[id][1:]
	}
	if _, err := tot.Report(short); err == nil {
		t.Error("a report with a complete patient's day missing")
	}
	if _, err := outcomes.DecodeTotals([]byte{1, 2}); err == nil {
		t.Error("decoded a truncated encoding")
	}
}
