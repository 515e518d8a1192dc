package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ketatrack/ketatrack/internal/dosing"
	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

func init() {
	register(&command{
		Name:     "dose",
		Synopsis: "dose --rate R [--weight W] [--concentration C] [--setting outpatient|inpatient|icu] [--drug racemic|s-ketamine] [--acknowledge REASON] [--druglib FILE] [--json]",
		Summary: "Convert one ketamine rate to mg/h, mg/kg/h, mL/h and mcg/kg/min and check it against the drug library's " +
			"soft and hard limits for the care area; exit 0 ok, 2 bad input, 3 soft limit without --acknowledge, 4 hard limit (refused).",
		Run: runDose,
	})
}

// doseDigits is the number of significant digits of the text output; --json
// gives unrounded numbers.
const doseDigits = 6

func runDose(ctx context.Context, e *env, args []string) int {
	c := commands["dose"]
	fs := newFlagSet(e, c)
	rateText := fs.String("rate", "", "the rate with its unit: mg/h, mg/min, mcg/h, mcg/min, mg/kg/h, mg/kg/min, mcg/kg/h, mcg/kg/min, mL/h, "+
		"an amount over a duration (80mg/4h, 0.5mg/kg/30min) or a rate per reference weight (22.2mg/h/70kg)")
	bolusText := fs.String("bolus", "", "check a single dose instead of a rate: mg, mcg, mg/kg or mcg/kg (e.g. 0.35mg/kg)")
	weightText := fs.String("weight", "", "the patient's weight with its unit: kg, lb or g (e.g. 70kg, 154lb); needed for per-kg rates and ICU limits")
	concText := fs.String("concentration", "", "the solution: mg/mL, mg/L, mcg/mL, or an amount in a volume (e.g. 80mg/500mL); needed for mL/h")
	setting := fs.String("setting", string(druglib.Outpatient), "care area: outpatient, inpatient or icu; the default, outpatient, has the strictest limits")
	drug := fs.String("drug", string(druglib.Racemic), "racemic or s-ketamine (S-ketamine's limits are half the racemic ones: twice the potency)")
	ack := fs.String("acknowledge", "", "a clinician's reason for going over a soft limit (recorded in the messages); never overrides a hard limit")
	libFile := fs.String("druglib", "", "a clinic's drug library file (YAML or JSON, the format of internal/druglib/default.yaml) instead of the built-in one")
	asJSON := fs.Bool("json", false, "print one JSON document on stdout: input, mg_per_h, mg_per_kg_per_h, ml_per_h, mcg_per_kg_per_min, status, messages, limit")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "dose", exitBadInput, fmt.Errorf("unexpected argument %q: quantities go after flags, e.g. --rate %s", pos[0], pos[0]))
	}
	req, err := doseRequest(*rateText, *bolusText, *weightText, *concText, *setting, *drug, *ack)
	if err != nil {
		return fail(e, "dose", exitBadInput, err)
	}
	if *libFile != "" {
		if req.Library, err = druglib.LoadFile(*libFile); err != nil {
			return fail(e, "dose", exitBadInput, fmt.Errorf("--druglib: %w", err))
		}
	}
	res, err := dosing.Check(req)
	if err != nil {
		return fail(e, "dose", exitBadInput, flagHint(err))
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res.Report()); err != nil {
			return fail(e, "dose", exitFailure, err)
		}
	} else {
		printDose(e.Stdout, req, res)
	}
	switch {
	case res.Status == dosing.HardLimit:
		fmt.Fprintln(e.Stderr, "ketatrack dose: hard limit: refused (a hard limit cannot be acknowledged)")
		return exitHardLimit
	case res.Status == dosing.SoftLimit && !res.Acknowledged:
		fmt.Fprintln(e.Stderr, `ketatrack dose: soft limit: give --acknowledge "reason" to proceed`)
		return exitSoftLimit
	}
	return exitOK
}

// doseRequest parses the flags into a request; errors name the flag.
func doseRequest(rate, bolus, weight, conc, setting, drug, ack string) (dosing.Request, error) {
	var req dosing.Request
	var err error
	switch {
	case rate == "" && bolus == "":
		return req, errors.New("--rate is required (e.g. --rate 0.35mg/kg/h)")
	case rate != "" && bolus != "":
		return req, errors.New("--rate and --bolus: give one, not both")
	}
	if req.CareArea, err = druglib.ParseCareArea("--setting", setting); err != nil {
		return req, err
	}
	if req.Drug, err = druglib.ParseDrug("--drug", drug); err != nil {
		return req, err
	}
	if rate != "" {
		r, err := units.ParseDoseRate("--rate", rate)
		if err != nil {
			return req, err
		}
		req.Rate = &r
	}
	if bolus != "" {
		b, err := units.ParseDose("--bolus", bolus)
		if err != nil {
			return req, err
		}
		req.Bolus = &b
	}
	if weight != "" {
		w, err := units.ParseBodyWeight("--weight", weight)
		if err != nil {
			return req, err
		}
		req.Weight = &w
	}
	if conc != "" {
		c, err := units.ParseConcentration("--concentration", conc)
		if err != nil {
			return req, err
		}
		req.Concentration = &c
	}
	req.Acknowledgement = ack
	return req, nil
}

// flagHint adds the flag that supplies what a conversion needed.
func flagHint(err error) error {
	switch {
	case errors.Is(err, units.ErrNeedWeight):
		return fmt.Errorf("%w (give --weight)", err)
	case errors.Is(err, units.ErrNeedConcentration):
		return fmt.Errorf("%w (give --concentration)", err)
	}
	return err
}

// printDose writes the human-readable result.
func printDose(w io.Writer, req dosing.Request, res *dosing.Result) {
	rep := res.Report()
	ctxt := []string{string(res.Drug), string(res.CareArea)}
	if req.Weight != nil {
		ctxt = append(ctxt, "weight "+req.Weight.String())
	}
	if req.Concentration != nil {
		ctxt = append(ctxt, "concentration "+req.Concentration.String())
	}
	fmt.Fprintf(w, "%-12s %s (%s)\n", "input", res.Input, strings.Join(ctxt, ", "))
	line := func(label string, v *float64, missing string) {
		if v != nil {
			fmt.Fprintf(w, "%-12s %s\n", label, units.FormatNumber(*v, doseDigits))
		} else if missing != "" {
			fmt.Fprintf(w, "%-12s - (%s)\n", label, missing)
		}
	}
	if res.Bolus() {
		line("mg", rep.Mg, "needs --weight")
		line("mg/kg", rep.MgPerKg, "needs --weight")
	} else {
		line("mg/h", rep.MgPerH, "")
		line("mg/kg/h", rep.MgPerKgPerH, "needs --weight")
		line("mL/h", rep.MLPerH, "needs --concentration")
		line("mcg/kg/min", rep.McgPerKgPerMin, "needs --weight")
	}
	fmt.Fprintf(w, "%-12s %s\n", "status", res.Status)
	if l := rep.Limit; l != nil {
		var b []string
		for _, x := range []struct {
			name string
			v    *float64
		}{{"hard min", l.HardMin}, {"soft min", l.SoftMin}, {"soft max", l.SoftMax}, {"hard max", l.HardMax}} {
			if x.v != nil {
				b = append(b, x.name+" "+units.FormatNumber(*x.v, doseDigits))
			}
		}
		fmt.Fprintf(w, "%-12s %s %s (%s)\n", "limit", strings.Join(b, ", "), l.Unit, l.CareArea)
		fmt.Fprintf(w, "%-12s %s\n", "source", l.Source)
	}
	fmt.Fprintln(w, "messages:")
	for _, m := range res.Messages {
		fmt.Fprintf(w, "  - %s\n", m)
	}
	fmt.Fprintf(w, "Numbers are rounded to %d significant digits for reading; --json gives them unrounded.\n", doseDigits)
}
