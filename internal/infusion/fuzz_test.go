package infusion

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDecodeRefusesUnitlessQuantities: a stored or submitted event whose
// quantities lack units does not decode (internal/units refuses to guess).
func TestDecodeRefusesUnitlessQuantities(t *testing.T) {
	cases := []struct{ name, js, want string }{
		{"rate without unit", `{"kind":"rate-change","rate_change":{"entered":"10"}}`, "without a unit"},
		{"weight without unit", `{"kind":"check-in","check_in":{"weight":"71"}}`, "kg or lb"},
		{"dose without unit", `{"kind":"medication","medication":{"dose":"2"}}`, "without a unit"},
		{"bag with cc", `{"kind":"programme","programme":{"bag":"40mg/500cc"}}`, "cc"},
		{"dose written as a rate", `{"kind":"rate-change","rate_change":{"entered":"0.35mg/kg"}}`, "rate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e Event
			err := json.Unmarshal([]byte(c.js), &e)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// FuzzReplay decodes a chart from JSON and replays it: it must never panic,
// and whatever it accepts must give a physically possible summary.
func FuzzReplay(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "goldberg_day1_events.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"seq":1,"kind":"check-in","at":"2026-03-02T08:45:00Z","by":"a","check_in":{"weight":"154lb","baseline":{"hr_per_min":70,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":98},"baseline_at":"2026-03-02T08:45:00Z"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var events []Event
		if json.Unmarshal(data, &events) != nil {
			return
		}
		s, err := Replay(goldbergOrder(), DefaultRules(), events)
		if err != nil {
			return
		}
		var bags float64
		for _, b := range s.Bags {
			bags += float64(b.Bag.AmountMg)
		}
		for _, now := range []time.Time{t0, at(120), at(600), far} {
			sum := s.Summary(now)
			d := float64(sum.CumulativeDoseMg)
			if math.IsNaN(d) || d < 0 || d > bags*(1+1e-9) {
				t.Fatalf("dose %v mg with %v mg in all bags", d, bags)
			}
			if sum.Bag != nil && (sum.RemainingVolumeML < -1e-9*sum.Bag.VolumeML || sum.RemainingVolumeML > sum.Bag.VolumeML) {
				t.Fatalf("remaining %v mL of a %v mL bag", float64(sum.RemainingVolumeML), float64(sum.Bag.VolumeML))
			}
			if sum.Running < 0 || sum.Running > sum.Elapsed || sum.Paused < 0 {
				t.Fatalf("running %v, elapsed %v, paused %v", sum.Running, sum.Elapsed, sum.Paused)
			}
		}
	})
}

// FuzzVitals records arbitrary vitals and checks the outcome against the
// rules written out independently, in floating point.
func FuzzVitals(f *testing.F) {
	f.Add(84, 144, 75, 92.9)
	f.Add(0, 120, 75, 140.0)
	f.Add(400, 110, 120, 93.0)
	s := started(f)
	f.Fuzz(func(t *testing.T, hr, sbp, dbp int, spo2 float64) {
		v := Vitals{HeartRate: PerMinute(hr), Systolic: MmHg(sbp), Diastolic: MmHg(dbp), SpO2: Percent(spo2)}
		res, err := Record(s, vitalsEv(30, v), far, testLimits)
		valid := hr >= 15 && hr <= 300 && sbp > 0 && dbp > 0 && dbp < sbp && spo2 > 0 && spo2 <= 100
		if (err == nil) != valid {
			t.Fatalf("HR %d BP %d/%d SpO2 %v: error %v, valid %v", hr, sbp, dbp, spo2, err, valid)
		}
		if err != nil {
			if ErrorCode(err) != EINVALID || !strings.HasPrefix(ErrorField(err), "vitals.") {
				t.Fatalf("error %v does not name a vitals field", err)
			}
			return
		}
		want := map[AlertRule]bool{
			RuleDesaturation:  spo2 < 93,
			RuleTachycardia:   float64(hr) >= 70*1.2,
			RuleBloodPressure: float64(sbp) >= 120*1.2 || sbp > 180 || dbp > 110,
		}
		got := map[AlertRule]bool{}
		for _, e := range res.Appended[1:] {
			got[e.Alert.Rule] = true
		}
		for r, w := range want {
			if got[r] != w {
				t.Fatalf("HR %d BP %d/%d SpO2 %v: %s alert %v, want %v", hr, sbp, dbp, spo2, r, got[r], w)
			}
		}
	})
}
