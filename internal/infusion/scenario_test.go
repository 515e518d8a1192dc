package infusion

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldbergDay1 charts the scenario (issue 7, "Must show"): Goldberg
// day 1 at 71 kg, clonidine 0.1 mg PO + midazolam 2 mg, 40 mg in 500 mL
// over 4 h (10 mg/h = 125 mL/h), vitals every 15 min with one tachycardia
// alert acknowledged, then post-infusion vitals and a discharge assessment.
// Goldberg does not give midazolam's route; IV is this test's choice.
func goldbergDay1(t testing.TB) State {
	s := chart(t, goldbergOrder(),
		checkInEv(0, 71, baseVitals()),
		programmeEv(10, mustBag("40mg/500mL"), mgh(10)),
		pumpEv(KindStart, 15), // 09:00
	)
	for m := 30.0; m <= 255; m += 15 {
		v := baseVitals()
		v.SpO2 = 97
		if m == 90 {
			v.HeartRate = 84 // exactly +20 % over the baseline 70 /min
		}
		s = record(t, s, vitalsEv(m, v))
	}
	s = record(t, s, stopEv(255)) // 13:00, 4 h of running
	alert := s.Alerts[0].Seq
	s = record(t, s,
		ackEv(93, alert, "nurse.b", "Sinus tachycardia on ECG, patient calm; observed, no intervention"),
		vitalsEv(285, baseVitals()),
		Event{Kind: KindDischarge, At: at(286), By: "nurse.a", Discharge: &DischargeAssessment{
			Activity: 2, Respiration: 2, Consciousness: 2, Ambulation: 2, NauseaVomiting: 2, Pain: 2, Bleeding: 2, EscortPresent: true,
		}},
	)
	return s
}

func TestGoldbergDay1(t *testing.T) {
	s := goldbergDay1(t)

	// Exactly one alert: the tachycardia at minute 90 (Goldberg: HR ≥ 20 %
	// over baseline), acknowledged by a named user with an action.
	if len(s.Alerts) != 1 || s.Alerts[0].Alert.Rule != RuleTachycardia {
		t.Fatalf("alerts = %v, want one tachycardia alert", alertRules(s))
	}
	if a := s.Alerts[0]; a.Ack == nil || a.Ack.By != "nurse.b" || a.Ack.Action == "" {
		t.Fatalf("alert not acknowledged by a named user with an action: %+v", a.Ack)
	}

	// At the stop: 10 mg/h × 4 h = 40 mg, 125 mL/h × 4 h = 500 mL, exactly.
	end := s.Summary(at(255))
	if end.CumulativeDoseMg != 40 {
		t.Errorf("cumulative dose = %v mg, want exactly 40", float64(end.CumulativeDoseMg))
	}
	if end.InfusedVolumeML != 500 || end.RemainingVolumeML != 0 {
		t.Errorf("volume infused %v mL, remaining %v mL; want 500 and 0", float64(end.InfusedVolumeML), float64(end.RemainingVolumeML))
	}
	if end.Running != 4*time.Hour || end.Elapsed != 4*time.Hour || end.Paused != 0 {
		t.Errorf("running %v, elapsed %v, paused %v; want 4h, 4h, 0", end.Running, end.Elapsed, end.Paused)
	}
	if end.Rate.MgPerH != 10 || end.Rate.MLPerH != 125 {
		t.Errorf("rate = %v mg/h, %v mL/h; want 10 and 125 (10 mg/h × 500 mL / 40 mg)", float64(end.Rate.MgPerH), float64(end.Rate.MLPerH))
	}
	if len(end.OpenAlerts) != 0 {
		t.Errorf("open alerts = %d, want 0", len(end.OpenAlerts))
	}

	// Half-way (2 h of running, at minute 135): 20 mg and 250 mL; the last
	// vitals were at 135, so the next are due at 150.
	mid := s.Summary(at(135))
	if mid.CumulativeDoseMg != 20 || mid.InfusedVolumeML != 250 || mid.RemainingVolumeML != 250 {
		t.Errorf("at 2 h: %v mg, %v mL infused, %v mL left; want 20, 250, 250",
			float64(mid.CumulativeDoseMg), float64(mid.InfusedVolumeML), float64(mid.RemainingVolumeML))
	}
	if !mid.NextVitalsDue.Equal(at(150)) || mid.VitalsOverdue {
		t.Errorf("next vitals due %v (overdue %v), want %v", mid.NextVitalsDue, mid.VitalsOverdue, at(150))
	}
	if !mid.Flowing || !mid.BagEmptyAt.Equal(at(255)) {
		t.Errorf("flowing %v, bag empty at %v; want true and %v", mid.Flowing, mid.BagEmptyAt, at(255))
	}
	// The alert was open between minutes 90 and 93.
	if n := len(s.Summary(at(91)).OpenAlerts); n != 1 {
		t.Errorf("open alerts at minute 91 = %d, want 1", n)
	}

	// Discharge: vitals after the stop back to baseline, all items 2, escort.
	d := s.DischargeStatus()
	if !d.Met || d.Aldrete.Total != 10 || d.PADSS.Total != 10 {
		t.Errorf("discharge = %+v; want met with Aldrete 10 and PADSS 10", d)
	}

	// The record replays to the same state, also through JSON.
	raw, err := json.MarshalIndent(s.Events, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var back []Event
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	r, err := Replay(s.Order, s.Rules, back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Summary(at(300)), s.Summary(at(300))) {
		t.Error("replayed summary differs from the recorded one")
	}
	golden(t, "goldberg_day1_events.json", raw)
	sum, err := json.MarshalIndent(end, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "goldberg_day1_summary_at_stop.json", sum)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	got = append(bytes.TrimSpace(got), '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff", path)
	}
}

// TestMedicationDoses: doses keep the unit written and are converted to mg
// by SI factors (1 mg = 1000 mcg) and today's weight for a per-kg dose.
func TestMedicationDoses(t *testing.T) {
	s := started(t) // 71 kg; clonidine 0.1mg and midazolam 2mg at check-in
	s = record(t, s,
		Event{Kind: KindMedication, At: at(40), By: "nurse.a", Medication: &Medication{Drug: "midazolam", Dose: mustDose("0.02mg/kg"), Route: RouteIV, At: at(40)}},
		Event{Kind: KindMedication, At: at(41), By: "nurse.a", Medication: &Medication{Drug: "clonidine", Dose: mustDose("100mcg"), Route: RoutePO, At: at(41)}},
	)
	want := []float64{0.1, 2, 0.02 * 71, 0.1} // 0.02 mg/kg × 71 kg = 1.42 mg; 100 mcg = 0.1 mg
	if len(s.Medications) != len(want) {
		t.Fatalf("%d medications, want %d", len(s.Medications), len(want))
	}
	for i, m := range s.Medications {
		if !near(float64(m.DoseMg), want[i]) {
			t.Errorf("%s %s = %v mg, want %v", m.Medication.Drug, m.Medication.Dose, float64(m.DoseMg), want[i])
		}
	}
	if got := s.Medications[2].Medication.Dose.String(); got != "0.02mg/kg" {
		t.Errorf("dose kept as %q, want it as written", got)
	}
}

// Continue from the replay of any prefix of a chart's events gives the
// replay of all of them (reflect.DeepEqual), and refuses events whose seq
// does not follow the prefix; the prefix's state is unchanged.
func TestContinueIsReplay(t *testing.T) {
	s := goldbergDay1(t)
	want, err := Replay(s.Order, s.Rules, s.Events)
	if err != nil {
		t.Fatal(err)
	}
	for k := range len(s.Events) + 1 {
		prefix, err := Replay(s.Order, s.Rules, s.Events[:k])
		if err != nil {
			t.Fatal(err)
		}
		before := prefix.Clone()
		got, err := Continue(prefix, s.Events[k:])
		if err != nil {
			t.Fatalf("continue after %d: %v", k, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("continue after %d events differs from the replay of all %d", k, len(s.Events))
		}
		if !reflect.DeepEqual(prefix, before) {
			t.Errorf("continue after %d changed the prefix's state", k)
		}
		if k+1 < len(s.Events) {
			if _, err := Continue(prefix, s.Events[k+1:]); err == nil {
				t.Errorf("continue after %d from event %d: no error for the gap", k, k+2)
			}
		}
	}
}
