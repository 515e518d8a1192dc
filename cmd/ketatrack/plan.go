package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/protocol"
	"github.com/ketatrack/ketatrack/internal/units"
)

func init() {
	register(&command{
		Name: "plan",
		Synopsis: "plan --protocol ID --weight W [--bag AMOUNT/VOLUME] [--setting S] [--start DATE] [--set KEY=VALUE ...] " +
			"[--acknowledge REASON] [--protocols-dir DIR] [--druglib FILE] [--json]",
		Summary: "Expand a protocol for one patient into days and steps (date, start, duration, mg/h, mg/kg/h, mL/h, mg per step, session " +
			"and course, premedication, monitoring), every step checked against the drug library; exit 0 ok, 2 bad input or details " +
			"left unspecified, 3 soft limit without --acknowledge, 4 hard limit (refused).",
		Run: runPlan,
	})
}

func runPlan(ctx context.Context, e *env, args []string) int {
	c := commands["plan"]
	fs := newFlagSet(e, c)
	id := fs.String("protocol", "", "the protocol's ID (ketatrack protocols lists them), e.g. goldberg-2005")
	weightText := fs.String("weight", "", "the patient's weight with its unit: kg, lb or g (e.g. 71kg, 154lb)")
	bagText := fs.String("bag", "", "the bag: an amount in a volume (80mg/500mL) or a concentration (0.16mg/mL); gives mL/h")
	setting := fs.String("setting", "", "care area: outpatient, inpatient or icu; default the protocol's; fills a protocol's unspecified care area")
	startText := fs.String("start", "", "date of the first treatment day, YYYY-MM-DD; gives each day's date (weekday-only protocols skip weekends)")
	var sets multiFlag
	fs.Var(&sets, "set", "KEY=VALUE: fill a detail the source leaves unspecified (repeatable); protocols show ID lists the keys and choices")
	ack := fs.String("acknowledge", "", "a clinician's reason for going over soft limits; never overrides a hard limit")
	dir := fs.String("protocols-dir", "", "a directory of the clinic's own protocol files (*.yaml), added to the built-in ones")
	libFile := fs.String("druglib", "", "a clinic's drug library file instead of the built-in one (as for ketatrack dose)")
	asJSON := fs.Bool("json", false, "print one JSON document on stdout: protocol, patient, bag, days with steps, course_mg, unspecified_filled, warnings, sources")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "plan", exitBadInput, fmt.Errorf("unexpected argument %q: give the protocol with --protocol ID", pos[0]))
	}
	lib, err := loadProtocols(ctx, *dir)
	if err != nil {
		return fail(e, "plan", exitBadInput, err)
	}
	p, req, err := planRequest(lib, *id, *weightText, *bagText, *setting, *startText, sets, *ack)
	if err != nil {
		return fail(e, "plan", exitBadInput, err)
	}
	if *libFile != "" {
		dl, err := druglib.LoadFile(*libFile)
		if err != nil {
			return fail(e, "plan", exitBadInput, fmt.Errorf("--druglib: %w", err))
		}
		req.Checker = protocol.NewChecker(dl)
	}
	plan, err := protocol.Expand(p, req)
	if err != nil {
		var missing *protocol.MissingError
		var input *protocol.InputError
		if errors.As(err, &missing) || errors.As(err, &input) {
			return fail(e, "plan", exitBadInput, err)
		}
		return fail(e, "plan", exitFailure, err)
	}
	if *asJSON {
		if st := writeJSON(e, "plan", plan); st != exitOK {
			return st
		}
	} else {
		printPlan(e.Stdout, plan)
	}
	switch {
	case plan.Status == protocol.StatusHardLimit:
		fmt.Fprintln(e.Stderr, "ketatrack plan: hard limit: refused (a step is over a hard limit of the drug library; a hard limit cannot be acknowledged)")
		return exitHardLimit
	case plan.Status == protocol.StatusSoftLimit && strings.TrimSpace(*ack) == "":
		fmt.Fprintln(e.Stderr, `ketatrack plan: soft limit: a step is over a soft limit; give --acknowledge "reason" to proceed`)
		return exitSoftLimit
	}
	return exitOK
}

// planRequest parses the flags; every error names its flag.
func planRequest(lib *protocol.Library, id, weight, bag, setting, start string, sets []string, ack string) (*protocol.Protocol, protocol.Request, error) {
	var req protocol.Request
	if id == "" {
		return nil, req, errors.New("--protocol is required (ketatrack protocols lists the IDs)")
	}
	p, ok := lib.Lookup(id)
	if !ok {
		return nil, req, fmt.Errorf("--protocol: unknown protocol %q (ketatrack protocols lists them)", id)
	}
	if weight == "" {
		return nil, req, errors.New("--weight is required, with its unit (e.g. 70kg or 154lb)")
	}
	w, err := units.ParseBodyWeight("--weight", weight)
	if err != nil {
		return nil, req, err
	}
	req.Weight = w
	if bag != "" {
		c, err := units.ParseConcentration("--bag", bag)
		if err != nil {
			return nil, req, err
		}
		req.Bag = &c
	}
	if setting != "" {
		area, err := druglib.ParseCareArea("--setting", setting)
		if err != nil {
			return nil, req, err
		}
		req.CareArea = string(area)
	}
	if start != "" {
		t, err := time.Parse(time.DateOnly, start)
		if err != nil {
			return nil, req, fmt.Errorf("--start: %q is not a date YYYY-MM-DD", start)
		}
		req.Start = t
	}
	req.Settings = map[string]string{}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, req, fmt.Errorf("--set %s: expected KEY=VALUE, e.g. --set daily-step=+5mg", s)
		}
		if prev, dup := req.Settings[k]; dup && prev != v {
			return nil, req, fmt.Errorf("--set %s: given twice (%s and %s)", k, prev, v)
		}
		req.Settings[k] = v
	}
	req.Acknowledge = strings.TrimSpace(ack)
	return p, req, nil
}

// show prints v to 6 significant digits for reading (70.3125 mL/h as a pump
// takes it), keeping every integer digit; --json gives 12.
func show(v float64) string {
	if v == 0 {
		return "0"
	}
	decimals := 5 - int(math.Floor(math.Log10(math.Abs(v))))
	if decimals < 0 {
		decimals = 0
	}
	if decimals > 6 {
		decimals = 6
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// hours prints a time in hours as h and min when whole minutes.
func hours(h float64) string {
	m := h * 60
	if r := math.Round(m); math.Abs(m-r) < 1e-6 {
		mi := int64(r)
		switch {
		case mi == 0:
			return "0h"
		case mi%60 == 0:
			return fmt.Sprintf("%dh", mi/60)
		case mi < 60:
			return fmt.Sprintf("%dmin", mi)
		}
		return fmt.Sprintf("%dh%dmin", mi/60, mi%60)
	}
	return show(h) + "h"
}

func printPlan(w io.Writer, pl *protocol.Plan) {
	p := pl.Protocol
	fmt.Fprintf(w, "%s — %s\n", p.ID, p.Title)
	drug := map[string]string{protocol.Racemic: "racemic ketamine", protocol.SKetamine: "S-ketamine"}[pl.Drug]
	ctxt := []string{"patient " + pl.Weight.String(), drug, pl.CareArea}
	if pl.Regimen != "" && len(p.Regimens) > 1 {
		ctxt = append(ctxt, "regimen "+pl.Regimen)
	}
	if pl.Bag != nil {
		ctxt = append(ctxt, fmt.Sprintf("bag %s (%s mg/mL)", pl.Bag, show(pl.Bag.MilligramsPerMilliliter())))
	}
	fmt.Fprintln(w, strings.Join(ctxt, " · "))
	if len(pl.Filled) > 0 {
		var kv []string
		for _, k := range sortedKeys(pl.Filled) {
			kv = append(kv, k+"="+pl.Filled[k])
		}
		fmt.Fprintf(w, "Filled by the clinician: %s\n", strings.Join(kv, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tDATE\tSTART\tAT\tDURATION\tDOSE\tmg/h\tmg/kg/h\tmL/h\tSTEP mg\tDAY mg\tSTATUS")
	for _, d := range pl.Days {
		date := "-"
		if !d.Date.IsZero() {
			date = d.Date.Format("Mon 2006-01-02")
		}
		for i, s := range d.Steps {
			day, dayMg := "", ""
			if i == 0 {
				day = strconv.Itoa(d.Day)
			} else {
				date = ""
			}
			if i == len(d.Steps)-1 {
				dayMg = show(d.SessionMg)
				if d.VolumeMl > 0 {
					dayMg += fmt.Sprintf(" (%s mL of bag)", show(d.VolumeMl))
				}
				if d.Diluent != nil {
					dayMg += fmt.Sprintf(" (in %s mL, as the source)", show(d.Diluent.VolumeMl))
				}
			}
			mgh, mgkgh, mlh, dur := "-", "-", "-", "bolus"
			if !s.Bolus {
				mgh, mgkgh, dur = show(s.MgPerH), show(s.MgPerKgPerH), hours(s.DurationH)
			}
			if s.HasMl {
				mlh = show(s.MlPerH)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", day, date, hours(s.StartH), hours(s.SessionOffsetH), dur, s.DoseShown, mgh, mgkgh, mlh, show(s.AmountMg), dayMg, s.Status)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nCourse total: %s mg over %d treatment day(s)\n", show(pl.CourseMg), len(pl.Days))
	fmt.Fprintln(w, "START is from the start of the course; AT from the start of that day (its session, or its 24 hours of a continuous infusion).")

	fmt.Fprintln(w, "\nPremedication and co-medication:")
	if len(pl.Days) > 0 && len(pl.Days[0].Premedication) == 0 {
		fmt.Fprintln(w, "  none stated by the source")
	}
	if len(pl.Days) > 0 {
		for _, m := range pl.Days[0].Premedication {
			dose := m.Dose
			if m.PatientDose != "" {
				dose += " = " + m.PatientDose + " for " + pl.Weight.String()
			}
			fmt.Fprintf(w, "  %s %s %s, %s   [%s]\n", m.Drug, dose, m.Route, m.When, m.Source)
		}
	}
	fmt.Fprintln(w, "\nMonitoring:")
	if len(pl.Monitoring) == 0 {
		fmt.Fprintln(w, "  none stated by the source")
	}
	for _, m := range pl.Monitoring {
		every := m.Every
		if every != "continuous" && every != "each session" && every != "daily" && every != "once" {
			every = "every " + every
		}
		fmt.Fprintf(w, "  %s: %s   [%s]\n", m.What, every, m.Source)
	}
	if len(pl.Rules) > 0 {
		fmt.Fprintln(w, "\nAlerts:")
		for _, r := range pl.Rules {
			fmt.Fprintf(w, "  %s: %s %s %s -> %s   [%s]\n", r.Text, r.Measure, r.Op, r.Threshold.Value, r.Action, r.Threshold.Source)
		}
	}
	var msgs []string
	seen := map[string]bool{}
	for _, d := range pl.Days {
		for _, s := range d.Steps {
			if s.Status == protocol.StatusOK {
				continue
			}
			for _, m := range s.Messages {
				line := fmt.Sprintf("day %d %s: %s", d.Day, s.Name, m)
				if !seen[m] {
					seen[m] = true
					msgs = append(msgs, line)
				}
			}
		}
	}
	if len(msgs) > 0 {
		fmt.Fprintln(w, "\nDrug library:")
		for _, m := range msgs {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	if len(pl.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, m := range pl.Warnings {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	fmt.Fprintln(w, "\nSources:")
	for _, s := range pl.Sources {
		fmt.Fprintf(w, "  %s\n", s)
	}
	fmt.Fprintln(w, "\nFigures are shown to 6 significant digits (whole numbers in full); --json gives 12.")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
