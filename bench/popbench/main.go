// Command popbench times ketatrack's virtual-population engine on the
// issue's case and writes what the R deSolve and SciPy references need to
// solve the same patients: their individual parameters and ketatrack's
// concentrations and percentiles for them.
//
// The case: 10,000 virtual patients of 70 kg, Schwartzman's 0.35 mg/kg/h for
// 4 h on each of 10 consecutive days (shared/CLINICAL.md, schwartzman-2009,
// seed 001_db080c63fd53018a.txt), model fanta-otto-s (S-ketamine and
// S-norketamine, Fanta 2015 / Otto 2021), 5-minute grid over 14 days,
// percentiles 5/50/95.
//
// Run through bench/population.sh; by hand:
//
//	go run ./bench/popbench -out bench/out -subset 100
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/ketatrack/ketatrack/internal/pk"
)

func main() {
	n := flag.Int("n", 10000, "virtual patients")
	seed := flag.Uint64("seed", 1, "population seed")
	subset := flag.Int("subset", 100, "patients whose parameters and curves are written for the references")
	reps := flag.Int("reps", 5, "timed repetitions of the full population")
	out := flag.String("out", "bench/out", "output directory")
	flag.Parse()
	if err := run(*n, *subset, *reps, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "popbench:", err)
		os.Exit(1)
	}
}

const weightKg = 70

func doses() []pk.Dose {
	var d []pk.Dose
	for day := 0; day < 10; day++ {
		d = append(d, pk.Dose{Start: time.Duration(day) * 24 * time.Hour, Duration: 4 * time.Hour, RateMgH: 0.35 * weightKg})
	}
	return d
}

var grid = pk.Grid{Step: 5 * time.Minute, Until: 14 * 24 * time.Hour}

func run(n, subset, reps int, seed uint64, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	m, err := pk.Lookup("fanta-otto-s")
	if err != nil {
		return err
	}
	spec := pk.PopulationSpec{Model: m, WeightKg: weightKg, Doses: doses(), Grid: grid, N: n, Seed: seed}
	// warm-up, then timed repetitions
	if _, err := pk.SimulatePopulation(context.Background(), spec); err != nil {
		return err
	}
	// wall time and the process's CPU time (user + system, all threads) of
	// each repetition
	var secs, cpuSecs []float64
	for r := 0; r < reps; r++ {
		t0, c0 := time.Now(), processCPU()
		if _, err := pk.SimulatePopulation(context.Background(), spec); err != nil {
			return err
		}
		secs = append(secs, time.Since(t0).Seconds())
		cpuSecs = append(cpuSecs, (processCPU() - c0).Seconds())
	}
	slices.Sort(secs)
	slices.Sort(cpuSecs)

	// the subset: parameters, ketatrack's curves and percentiles
	names := []string{"V1", "CL", "VP1", "Q1", "VP2", "Q2", "FM_NK", "V_NK", "CL_NK", "VP_NK", "Q_NK"}
	pf, err := os.Create(filepath.Join(out, "patients.csv"))
	if err != nil {
		return err
	}
	pw := bufio.NewWriter(pf)
	fmt.Fprint(pw, "id")
	for _, nm := range names {
		fmt.Fprintf(pw, ",%s", nm)
	}
	fmt.Fprintln(pw)
	cf, err := os.Create(filepath.Join(out, "ketatrack_subset.csv"))
	if err != nil {
		return err
	}
	cw := bufio.NewWriter(cf)
	fmt.Fprintln(cw, "id,time_h,ketamine_ng_mL,norketamine_ng_mL")
	t0 := time.Now()
	for p := 0; p < subset; p++ {
		eta := m.PatientEta(seed, p)
		fmt.Fprintf(pw, "%d", p)
		for _, nm := range names {
			fmt.Fprintf(pw, ",%.17g", m.ParameterValue(nm, weightKg, eta))
		}
		fmt.Fprintln(pw)
		sys, err := m.System(weightKg, eta)
		if err != nil {
			return err
		}
		res, err := pk.Simulate(sys, doses(), grid, 0)
		if err != nil {
			return err
		}
		for i, th := range res.TimesH {
			fmt.Fprintf(cw, "%d,%.17g,%.17g,%.17g\n", p, th, res.Values[0][i], res.Values[1][i])
		}
	}
	singleSecs := time.Since(t0).Seconds()
	for _, f := range []*bufio.Writer{pw, cw} {
		if err := f.Flush(); err != nil {
			return err
		}
	}
	pf.Close()
	cf.Close()
	sub, err := pk.SimulatePopulation(context.Background(), pk.PopulationSpec{Model: m, WeightKg: weightKg, Doses: doses(), Grid: grid, N: subset, Seed: seed})
	if err != nil {
		return err
	}
	qf, err := os.Create(filepath.Join(out, "ketatrack_subset_percentiles.csv"))
	if err != nil {
		return err
	}
	qw := bufio.NewWriter(qf)
	fmt.Fprintln(qw, "time_h,ketamine_p5,ketamine_p50,ketamine_p95,norketamine_p5,norketamine_p50,norketamine_p95")
	for i, th := range sub.TimesH {
		k, nk := sub.Bands[0], sub.Bands[1]
		fmt.Fprintf(qw, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", th, k.P5[i], k.P50[i], k.P95[i], nk.P5[i], nk.P50[i], nk.P95[i])
	}
	if err := qw.Flush(); err != nil {
		return err
	}
	qf.Close()

	summary := map[string]any{
		"patients":                   n,
		"grid_points":                len(grid.Times()),
		"cores":                      runtime.GOMAXPROCS(0),
		"population_seconds_min":     secs[0],
		"population_seconds_med":     secs[len(secs)/2],
		"population_cpu_seconds_med": cpuSecs[len(cpuSecs)/2],
		"population_cpu_seconds_min": cpuSecs[0],
		"repetitions":                reps,
		"subset":                     subset,
		"subset_one_by_one_s":        singleSecs,
	}
	b, _ := json.MarshalIndent(summary, "", "  ")
	fmt.Println(string(b))
	return os.WriteFile(filepath.Join(out, "ketatrack_timing.json"), b, 0o644)
}
