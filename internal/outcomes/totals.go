package outcomes

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ketatrack/ketatrack/internal/ranktest"
)

// Totals is what Analyze reads of a journal, kept as sums over its patients
// so that one patient's rows can be added and taken away again (issue 16:
// the cohort report of 10,000 patients × 600 days kept up to date one
// patient at a time instead of computed from all 6 million rows on every
// read). For each measure it counts the values by day and score (the days'
// summaries and Kruskal–Wallis), the patients by their first and last day
// with a value and the scores on those days (Wilcoxon and the responder
// rates: a patient is a pair when its first and last days are the cohort's),
// and lists the patients by their number of days with a value (Friedman's
// complete blocks: the patients whose number is the cohort's, whose rows
// Report is then given).
//
// Report computes from it exactly the Report that Analyze computes from the
// rows: the same per-day frequency tables, the same blocks and the same
// pairs reach the same functions. The pairs and blocks reach them in another
// order, which changes nothing: the rank sums and the signed-rank statistic
// add half-integers and the tie terms integers, all exact in float64.
type Totals struct {
	// Patients counts the patients with at least one row, Rows the rows.
	Patients int64
	Rows     int64
	Measures [NumMeasures]MeasureTotals
}

// MeasureTotals is one measure's part of Totals.
type MeasureTotals struct {
	// Values counts the values by day and score.
	Values map[DayScore]int64
	// Ends counts the patients with a value by their first and last days.
	Ends map[Ends]int64
	// Spans lists the patients with a value by their number of days with
	// one.
	Spans map[int]map[int64]struct{}
}

// DayScore is a value of a measure on a journal day.
type DayScore struct {
	Day   int32
	Score Score
}

// Ends is a patient's first and last day with a value of a measure and the
// values on those days.
type Ends struct {
	FirstDay, LastDay     int32
	FirstScore, LastScore Score
}

// Add adds (sign 1) or takes away (sign −1) the rows of one patient, at
// most one a day, in any order. Taking away rows that were not added leaves
// the totals meaningless; Decode and Report then fail rather than give a
// report.
func (t *Totals) Add(patient int64, rows []JournalRow, sign int) {
	if len(rows) == 0 {
		return
	}
	s := int64(sign)
	t.Patients += s
	t.Rows += s * int64(len(rows))
	for m := range t.Measures {
		mt := &t.Measures[m]
		n := 0
		var ends Ends
		for i := range rows {
			v := rows[i].Scores[m]
			if v == Missing {
				continue
			}
			d := int32(rows[i].Day)
			if n == 0 || d < ends.FirstDay {
				ends.FirstDay, ends.FirstScore = d, v
			}
			if n == 0 || d > ends.LastDay {
				ends.LastDay, ends.LastScore = d, v
			}
			n++
			if mt.Values == nil {
				mt.Values = map[DayScore]int64{}
			}
			k := DayScore{d, v}
			if mt.Values[k] += s; mt.Values[k] == 0 {
				delete(mt.Values, k)
			}
		}
		if n == 0 {
			continue
		}
		if mt.Ends == nil {
			mt.Ends = map[Ends]int64{}
		}
		if mt.Spans == nil {
			mt.Spans = map[int]map[int64]struct{}{}
		}
		if mt.Ends[ends] += s; mt.Ends[ends] == 0 {
			delete(mt.Ends, ends)
		}
		ids := mt.Spans[n]
		if sign > 0 {
			if ids == nil {
				ids = map[int64]struct{}{}
				mt.Spans[n] = ids
			}
			ids[patient] = struct{}{}
		} else if ids != nil {
			delete(ids, patient)
			if len(ids) == 0 {
				delete(mt.Spans, n)
			}
		}
	}
}

// days are the measure's days with a value, ascending.
func (mt *MeasureTotals) days() []int {
	seen := map[int32]bool{}
	for k := range mt.Values {
		seen[k.Day] = true
	}
	out := make([]int, 0, len(seen))
	for d := range seen {
		out = append(out, int(d))
	}
	slices.Sort(out)
	return out
}

// Complete returns, in ID order, the patients whose rows Report needs: for
// some measure, those with a value on every day the cohort has one
// (Friedman's complete blocks).
func (t *Totals) Complete() []int64 {
	set := map[int64]struct{}{}
	for m := range t.Measures {
		mt := &t.Measures[m]
		if len(mt.Values) == 0 {
			continue
		}
		for id := range mt.Spans[len(mt.days())] {
			set[id] = struct{}{}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Report computes the report Analyze computes from the rows whose totals t
// holds. complete holds the rows of (at least) the patients of Complete, each
// patient's in any order.
func (t *Totals) Report(complete map[int64][]JournalRow) (Report, error) {
	rep := newReport(int(t.Patients))
	for m := range t.Measures {
		a, err := t.accumulator(Measure(m), complete)
		if err != nil {
			return Report{}, err
		}
		rep.add(Measure(m), a)
	}
	return rep, nil
}

// accumulator is the measureAccumulator Analyze would hold for measure m
// after the last patient; nil when the measure has no value.
func (t *Totals) accumulator(m Measure, complete map[int64][]JournalRow) (*measureAccumulator, error) {
	mt := &t.Measures[m]
	if len(mt.Values) == 0 {
		return nil, nil
	}
	a := &measureAccumulator{measure: m, days: mt.days()}
	maxDay := a.days[len(a.days)-1]
	a.col = make([]int32, maxDay+1)
	for d := range a.col {
		a.col[d] = -1
	}
	for j, d := range a.days {
		a.col[d] = int32(j)
	}
	a.level = make([]int32, measureInfo[m].max+1)
	for s := range a.level {
		a.level[s] = -1
	}
	for k, n := range mt.Values {
		if n < 0 || k.Score < 0 || k.Score > measureInfo[m].max || k.Day < 1 {
			return nil, fmt.Errorf("cohort totals of %s: %d values %v on day %d", m.Column(), n, k.Score, k.Day)
		}
		a.level[k.Score] = 0
	}
	for s, seen := range a.level {
		if seen == 0 {
			a.level[s] = int32(len(a.levels))
			a.levels = append(a.levels, Score(s).Float())
		}
	}
	nl := len(a.levels)
	a.counts = make([]int64, len(a.days)*nl)
	for k, n := range mt.Values {
		a.counts[int(a.col[k.Day])*nl+int(a.level[k.Score])] += n
	}
	// Friedman's complete blocks, in patient ID order.
	a.friedman = ranktest.NewFriedman(len(a.days))
	block := make([]int32, len(a.days))
	filled := make([]int, len(a.days)) // filled[j] = i+1: patient i has day j
	ids := slices.Sorted(maps.Keys(mt.Spans[len(a.days)]))
	for i, id := range ids {
		rows, ok := complete[id]
		if !ok {
			return nil, fmt.Errorf("cohort totals of %s: the rows of patient %d, with a value on every day, are missing", m.Column(), id)
		}
		n := 0
		for r := range rows {
			s := rows[r].Scores[m]
			if s == Missing {
				continue
			}
			d := rows[r].Day
			if d < 1 || d > maxDay || a.col[d] < 0 || s < 0 || s > measureInfo[m].max || a.level[s] < 0 || filled[a.col[d]] == i+1 {
				return nil, fmt.Errorf("cohort totals of %s: patient %d's value %v on day %d is not counted", m.Column(), id, s, d)
			}
			block[a.col[d]], filled[a.col[d]] = a.level[s], i+1
			n++
		}
		if n != len(a.days) {
			return nil, fmt.Errorf("cohort totals of %s: patient %d has %d of the %d days", m.Column(), id, n, len(a.days))
		}
		a.friedman.AddOrdinal(block, nl)
	}
	// The pairs of the first and last day.
	first, last := int32(a.days[0]), int32(a.days[len(a.days)-1])
	ends := slices.SortedFunc(maps.Keys(mt.Ends), func(x, y Ends) int {
		return cmp.Or(cmp.Compare(x.FirstScore, y.FirstScore), cmp.Compare(x.LastScore, y.LastScore),
			cmp.Compare(x.FirstDay, y.FirstDay), cmp.Compare(x.LastDay, y.LastDay))
	})
	for _, e := range ends {
		n := mt.Ends[e]
		if n < 0 {
			return nil, fmt.Errorf("cohort totals of %s: %d patients with ends %+v", m.Column(), n, e)
		}
		if e.FirstDay != first || e.LastDay != last {
			continue
		}
		for range n {
			a.firsts = append(a.firsts, e.FirstScore)
			a.lasts = append(a.lasts, e.LastScore)
		}
	}
	return a, nil
}

// totalsFormat is the first byte of an encoded Totals.
const totalsFormat = 1

// Encode appends t in a compact binary form to b (Decode reads it): the
// maps' keys in order, as varints.
func (t *Totals) Encode(b []byte) []byte {
	b = append(b, totalsFormat)
	b = binary.AppendVarint(b, t.Patients)
	b = binary.AppendVarint(b, t.Rows)
	for m := range t.Measures {
		mt := &t.Measures[m]
		// By day, then score: packed into one integer each, which sorts
		// several times faster than the pairs (a save of one patient's
		// summary encodes the whole clinic's totals).
		packed := make([]uint64, 0, len(mt.Values))
		for k := range mt.Values {
			packed = append(packed, uint64(uint32(k.Day))<<16|uint64(uint16(k.Score)))
		}
		slices.Sort(packed)
		b = binary.AppendUvarint(b, uint64(len(packed)))
		prev := DayScore{}
		for _, p := range packed {
			k := DayScore{Day: int32(uint32(p >> 16)), Score: Score(int16(uint16(p)))}
			// The day as a difference to the previous key's, the score
			// as one within the same day.
			b = binary.AppendVarint(b, int64(k.Day-prev.Day))
			if k.Day == prev.Day {
				b = binary.AppendVarint(b, int64(k.Score-prev.Score))
			} else {
				b = binary.AppendVarint(b, int64(k.Score))
			}
			b = binary.AppendVarint(b, mt.Values[k])
			prev = k
		}
		ends := slices.SortedFunc(maps.Keys(mt.Ends), func(x, y Ends) int {
			return cmp.Or(cmp.Compare(x.FirstDay, y.FirstDay), cmp.Compare(x.LastDay, y.LastDay),
				cmp.Compare(x.FirstScore, y.FirstScore), cmp.Compare(x.LastScore, y.LastScore))
		})
		b = binary.AppendUvarint(b, uint64(len(ends)))
		for _, e := range ends {
			b = binary.AppendVarint(b, int64(e.FirstDay))
			b = binary.AppendVarint(b, int64(e.LastDay))
			b = binary.AppendVarint(b, int64(e.FirstScore))
			b = binary.AppendVarint(b, int64(e.LastScore))
			b = binary.AppendVarint(b, mt.Ends[e])
		}
		spans := slices.Sorted(maps.Keys(mt.Spans))
		b = binary.AppendUvarint(b, uint64(len(spans)))
		for _, n := range spans {
			ids := slices.Sorted(maps.Keys(mt.Spans[n]))
			b = binary.AppendUvarint(b, uint64(n))
			b = binary.AppendUvarint(b, uint64(len(ids)))
			prev := int64(0)
			for _, id := range ids {
				b = binary.AppendVarint(b, id-prev)
				prev = id
			}
		}
	}
	return b
}

// errTotals is a malformed encoding.
var errTotals = errors.New("malformed cohort totals")

// totalsReader reads Encode's varints.
type totalsReader struct {
	b   []byte
	err error
}

func (r *totalsReader) varint() int64 {
	if v, n := binary.Varint(r.b); r.advance(n) {
		return v
	}
	return 0
}

func (r *totalsReader) uvarint() uint64 {
	if v, n := binary.Uvarint(r.b); r.advance(n) {
		return v
	}
	return 0
}

// advance moves past a value of n bytes as binary.Varint or Uvarint
// measured it (n <= 0: malformed), and reports whether it was read.
func (r *totalsReader) advance(n int) bool {
	if r.err != nil {
		return false
	}
	if n <= 0 {
		r.err = errTotals
		return false
	}
	r.b = r.b[n:]
	return true
}

// count reads a length no larger than the bytes left (each element takes
// at least one).
func (r *totalsReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errTotals
		return 0
	}
	return int(n)
}

// DecodeTotals reads an encoding of Encode; an empty one is empty totals.
func DecodeTotals(b []byte) (*Totals, error) {
	t := &Totals{}
	if len(b) == 0 {
		return t, nil
	}
	if b[0] != totalsFormat {
		return nil, fmt.Errorf("cohort totals: format %d, want %d", b[0], totalsFormat)
	}
	r := &totalsReader{b: b[1:]}
	t.Patients, t.Rows = r.varint(), r.varint()
	for m := range t.Measures {
		mt := &t.Measures[m]
		n := r.count()
		if n > 0 {
			mt.Values = make(map[DayScore]int64, n)
		}
		prev := DayScore{}
		for range n {
			k := DayScore{Day: prev.Day + int32(r.varint())}
			if k.Day == prev.Day {
				k.Score = prev.Score + Score(r.varint())
			} else {
				k.Score = Score(r.varint())
			}
			mt.Values[k] = r.varint()
			prev = k
		}
		n = r.count()
		if n > 0 {
			mt.Ends = make(map[Ends]int64, n)
		}
		for range n {
			e := Ends{FirstDay: int32(r.varint()), LastDay: int32(r.varint())}
			e.FirstScore, e.LastScore = Score(r.varint()), Score(r.varint())
			mt.Ends[e] = r.varint()
		}
		n = r.count()
		if n > 0 {
			mt.Spans = make(map[int]map[int64]struct{}, n)
		}
		for range n {
			days, k := int(r.uvarint()), r.count()
			ids := make(map[int64]struct{}, k)
			prev := int64(0)
			for range k {
				prev += r.varint()
				ids[prev] = struct{}{}
			}
			mt.Spans[days] = ids
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errTotals
	}
	if r.err != nil {
		return nil, fmt.Errorf("cohort totals: %w", r.err)
	}
	return t, nil
}
