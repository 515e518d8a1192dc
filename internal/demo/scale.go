package demo

import (
	"context"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/cohort"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

// A clinic group at scale (issue 16): `ketatrack demo --scale N` fills an
// empty database with N fictional patients over the five years that end at
// the clock's now, through the store's write paths, so that load tests and
// reports run on the volume a group keeps. Per patient, as a plausible
// clinic would:
//
//   - the patient, an intake and (for most) a Budapest diagnosis at the
//     first visit, taken in turn from the demo workups (intake.go) with the
//     patient's own weight;
//   - for 85 % of them a ten-infusion course a week or three after the first
//     visit, signed by a clinician, consented, alternating between
//     goldberg-2005 (40 → 80 mg over 4 h on ten weekdays, seed 003) and
//     schwartzman-2009 (0.35 mg/kg/h for 4 h on ten consecutive days, seed
//     001), then single 4-hour boosters (innerbloom-4h at Schwartzman's
//     rate) every two to four months while relief lasts;
//   - every infusion charted as the nurses chart: check-in with weight,
//     baseline and premedication, the bag prepared from the month's stock
//     lot with a witness, the programme with its double check, the start,
//     vitals at 5 and 10 minutes and then every 15 minutes (Goldberg's
//     monitoring: "non-invasive blood pressure every 15 minutes", seed
//     003), now and then a side effect, or a heart rate 20 % over baseline
//     that raises Goldberg's alert and is answered by a lower rate, the stop,
//     two recovery vitals, the discharge assessment and the waste of what
//     is left in the bag;
//   - the daily journal from the first infusion on (the course days from
//     the Goldberg-like generator of package cohort, then relief and relapse
//     as cohort.Relief draws them and as boosters renew them: see
//     loadJournal), kept until now or until the patient stops writing;
//   - functional measures before and after each ten-infusion course.
//
// Everything is drawn from one PCG seeded by ScaleConfig.Seed in a fixed
// order, and the store's clock is set to each record's own time, so that
// the same seed and end give the same rows (password hashes aside: their
// salts are random by design).

// ScaleConfig says what Scale generates.
type ScaleConfig struct {
	// Patients is the number of patients (N).
	Patients int
	// Seed chooses the clinic.
	Seed uint64
	// End is the clock's now: the last instant of the five years.
	End time.Time
	// Progress, when set, is called after each chunk of patients with the
	// number done.
	Progress func(done, total int)
	// OneByOne writes every record in a transaction of its own, as the
	// web's requests do, instead of in store batches (store.DB.Batch): the
	// same rows, slower; the reference the batches are tested against.
	OneByOne bool
}

// ScaleResult counts what Scale asked the store to record.
type ScaleResult struct {
	// Credentials are one login of each role (the patient's is the
	// portal account of a patient with a journal), as Load prints them:
	// the passwords were generated and are shown only here.
	Credentials                      []Credential
	Users, Lots, Patients, Diagnoses int
	// Courses are all courses; TenDayCourses those of ten infusions (the
	// others are boosters).
	Courses, TenDayCourses int
	// Sessions are the infusion sessions (one bag each); Events the
	// events charted (the alerts the store adds are Alerts).
	Sessions, Events, Alerts, Wastes int
	JournalPatients, JournalDays     int
	Measures                         int
}

// scaleYears is the span of the generated records.
const scaleYears = 5

// scaleTreated is the share of patients who get a course (the others are
// seen, assessed and not treated).
const scaleTreated = 0.85

// scaleJournalKeeps is the share of treated patients who keep the journal
// until now; the others stop on a day drawn uniformly over their time.
const scaleJournalKeeps = 0.55

// scaleBatch is how many patients' records one store batch writes (and one
// LoadJournalEntries call holds the journals of): some 120,000 rows, and a
// witness's password checked once per batch (argon2, tens of ms).
const scaleBatch = 100

// Course protocols: the ten-infusion ones alternate; boosters are single
// 4-hour infusions. The settings are choices the protocol files offer, with
// their sources there.
var (
	scaleGoldbergSettings     = demoGoldbergSettings
	scaleSchwartzmanSettings  = demoSchwartzmanSettings
	scaleInnerbloomSettings   = map[string]string{"dose": "0.35mg/kg/h", "infusion-duration": "4h", "infusions": "1", "calendar": "consecutive"}
	scaleCourseProtocols      = []string{"goldberg-2005", "schwartzman-2009"}
	scaleBoosterProtocol      = "innerbloom-4h"
	scaleLotStrengthMgPerML   = 50.0
	scaleLotVialML            = 10.0
	scaleLotExpiryMonths      = 24
	scaleBoosterContinueShare = 0.6
)

// Fictional names: given names mostly women's (CRPS: 36 of 40 women in
// Goldberg et al. 2005, seed 003).
var (
	scaleGivenFemale = []string{"Anna", "Beatriz", "Clara", "Dana", "Elena", "Fatima", "Greta", "Helen", "Ines", "Julia",
		"Karin", "Leila", "Mona", "Nora", "Olga", "Paula", "Rosa", "Sara", "Tara", "Uma", "Vera", "Wendy", "Yara", "Zoe"}
	scaleGivenMale = []string{"Adam", "Bruno", "Carlos", "David", "Erik", "Felix", "Hugo", "Ivan", "Jon", "Karl"}
	scaleFamily    = []string{"Abbott", "Baker", "Castro", "Dalton", "Eriksen", "Ferreira", "Gallagher", "Hayes", "Ibrahim", "Jensen",
		"Kowalski", "Lambert", "Moreau", "Nakamura", "Ortega", "Petrov", "Quinn", "Romano", "Sato", "Tanaka", "Ueda", "Vargas",
		"Walsh", "Xu", "Young", "Zielinski"}
)

// scalePatient is one patient's plan, drawn before anything is written.
type scalePatient struct {
	mrn, given, family, email, phone string
	sex                              clinic.Sex
	birth                            clinic.Date
	firstVisit                       time.Time
	workup                           demoWorkup
	weightKg                         float64
	hr, sys, dia                     int // baseline vitals
	courses                          []scaleCourse
	journalLast                      clinic.Date // last journal day (zero: none)
	journalOpioids                   bool
}

// scaleCourse is one course: its protocol and first day.
type scaleCourse struct {
	protocol string
	start    clinic.Date
	// running is a booster of today, its infusion running at the clock's
	// now (charted up to now, not stopped).
	running bool
}

// scaleStaff is the clinic's staff with the passwords the generator set.
type scaleStaff struct {
	clinicians, nurses []*clinic.User
	passwords          map[int64]string
}

// scaleGen generates and writes the clinic.
type scaleGen struct {
	db       *store.DB
	cfg      ScaleConfig
	rng      *mrand.Rand
	clock    time.Time
	start    time.Time
	end      time.Time
	endDate  clinic.Date
	clinicID int64
	staff    scaleStaff
	lots     map[int]*stock.Lot // by month index (year*12 + month)
	res      ScaleResult
	// lastAlert is the seq of the last alert charting raised, charted the
	// chart after the last event.
	lastAlert int
	charted   *infusion.State
}

// Scale fills the empty database db with the clinic group cfg describes. It
// refuses (ECONFLICT) a database that holds data. It sets db.Now to its own
// clock while it runs and restores it after.
func Scale(ctx context.Context, db *store.DB, cfg ScaleConfig) (*ScaleResult, error) {
	if cfg.Patients < 1 {
		return nil, clinic.Invalid("scale", "the number of patients must be at least 1, got %d", cfg.Patients)
	}
	if cfg.End.IsZero() {
		return nil, clinic.Invalid("end", "the end of the five years (the clock's now) is required")
	}
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, clinic.Errorf(clinic.ECONFLICT, "the database already holds data; a scaled demo clinic is generated only into an empty database")
	}
	end := cfg.End.UTC().Truncate(time.Second)
	g := &scaleGen{db: db, cfg: cfg, rng: mrand.New(mrand.NewPCG(cfg.Seed, 0x5ca1e16)), start: end.AddDate(-scaleYears, 0, 0), end: end,
		endDate: clinic.DateOf(end), lots: map[int]*stock.Lot{}}
	g.clock = g.start
	savedNow, savedZone := db.Now, db.Zone
	db.Now, db.Zone = func() time.Time { return g.clock }, time.UTC
	defer func() { db.Now, db.Zone = savedNow, savedZone }()

	ctx = clinic.NewContext(ctx, clinic.System)
	// One bulk load (store.DB.BulkLoad: the batches share the witnesses'
	// checks; SQLite commits without waiting for the disk until the end).
	err = db.BulkLoad(ctx, func(ctx context.Context) error { return g.run(ctx) })
	if err != nil {
		return nil, err
	}
	return &g.res, nil
}

// run generates the clinic inside Scale's bulk load.
func (g *scaleGen) run(ctx context.Context) error {
	db, cfg := g.db, g.cfg
	patients := g.plan()
	if err := g.setup(ctx, patients); err != nil {
		return err
	}
	journal, err := cohort.Journal(cohort.JournalConfig{Patients: len(patients), Days: demoCourseDays, Seed: cfg.Seed, IDPrefix: "S"})
	if err != nil {
		return err
	}
	portal := -1 // the patient whose portal account is made: the first with a journal
	for i, sp := range patients {
		if !sp.journalLast.IsZero() {
			portal = i
			break
		}
	}
	relief, err := cohort.Relief(cohort.ReliefConfig{Patients: len(patients), Seed: cfg.Seed, Start: g.start})
	if err != nil {
		return err
	}
	// Patients in chunks of scaleBatch, each chunk in two store batches
	// (store.DB.Batch: one transaction each): the patients with their
	// workups, then (CreateCourse reads the patient as committed) their
	// courses, sessions, measures and journals.
	for from := 0; from < len(patients); from += scaleBatch {
		chunk := patients[from:min(from+scaleBatch, len(patients))]
		made := make([]*clinic.Patient, len(chunk))
		err := g.batch(ctx, func(ctx context.Context) error {
			for k, sp := range chunk {
				p, err := g.patient(ctx, sp)
				if err != nil {
					return fmt.Errorf("patient %s: %w", sp.mrn, err)
				}
				made[k] = p
				if from+k == portal {
					if err := g.portal(ctx, p); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = g.batch(ctx, func(ctx context.Context) error {
			var entries []*clinic.JournalEntry
			for k, sp := range chunk {
				i, p := from+k, made[k]
				for _, c := range sp.courses {
					if err := g.course(ctx, p, sp, c); err != nil {
						return fmt.Errorf("course of %s from %s: %w", sp.mrn, c.start, err)
					}
				}
				es, err := g.journal(ctx, p, sp, journal[i*demoCourseDays:(i+1)*demoCourseDays], relief[i].Days())
				if err != nil {
					return fmt.Errorf("journal of %s: %w", sp.mrn, err)
				}
				entries = append(entries, es...)
			}
			if len(entries) == 0 {
				return nil
			}
			// Loaded as the demo's journals are: past entries, imported.
			g.at(g.timeOf(g.endDate, 0))
			if _, err := db.LoadJournalEntries(ctx, entries); err != nil {
				return fmt.Errorf("journals: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if done := from + len(chunk); db.Engine() == store.Postgres && (done == len(chunk) || done%scaleAnalyzeEvery == 0) {
			// PostgreSQL plans the load's reads by the tables'
			// statistics, which nothing refreshes while it runs
			// (autovacuum may be off, and a bulk load outruns it): without
			// them a bag's stock entries were read by a sequential scan of
			// stock_entries from some 3,000 patients on, and the rate fell
			// from 13,000 to 3,000 rows/s. Optimize analyzes only the
			// tables changed by more than autovacuum's own threshold.
			if err := db.Optimize(ctx); err != nil {
				return err
			}
		}
		if cfg.Progress != nil {
			cfg.Progress(from+len(chunk), len(patients))
		}
	}
	return nil
}

// scaleAnalyzeEvery is how many patients apart a PostgreSQL load refreshes
// the planner's statistics (after the first chunk, then every so many):
// once a table holds some thousand patients' rows, 500 more are under
// autovacuum's 10 % and Optimize reads only pg_stat_user_tables.
const scaleAnalyzeEvery = 500

// batch runs fn in one store batch, or directly with OneByOne.
func (g *scaleGen) batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if g.cfg.OneByOne {
		return fn(ctx)
	}
	return g.db.Batch(ctx, fn)
}

// portal creates the patient's portal account (their journal's author).
func (g *scaleGen) portal(ctx context.Context, p *clinic.Patient) error {
	pw, err := clinic.GeneratePassword()
	if err != nil {
		return err
	}
	u := &clinic.User{ClinicID: g.clinicID, Login: "patient1", Name: p.FullName(), Role: clinic.RolePatient, PatientID: p.ID}
	if err := g.db.CreateUser(ctx, u, pw); err != nil {
		return fmt.Errorf("portal account: %w", err)
	}
	g.res.Users++
	g.res.Credentials = append(g.res.Credentials, Credential{Role: u.Role, Name: u.Name, Login: u.Login, Password: pw})
	return nil
}

// timeOf is the instant minutes after midnight (UTC) of day d.
func (g *scaleGen) timeOf(d clinic.Date, minutes int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, minutes, 0, 0, time.UTC)
}

// at sets the store's clock to t (records written now carry t).
func (g *scaleGen) at(t time.Time) { g.clock = t }

// plan draws every patient's demographics, workup and course dates.
func (g *scaleGen) plan() []*scalePatient {
	rng := g.rng
	span := int(g.endDate.DaysSince(clinic.DateOf(g.start)))
	out := make([]*scalePatient, g.cfg.Patients)
	for i := range out {
		sp := &scalePatient{mrn: fmt.Sprintf("SC-%06d", i+1)}
		switch r := rng.Float64(); {
		case r < 0.88:
			sp.sex, sp.given = clinic.SexFemale, scaleGivenFemale[rng.IntN(len(scaleGivenFemale))]
		case r < 0.99:
			sp.sex, sp.given = clinic.SexMale, scaleGivenMale[rng.IntN(len(scaleGivenMale))]
		default:
			sp.sex, sp.given = clinic.SexOther, "Robin"
		}
		sp.family = scaleFamily[rng.IntN(len(scaleFamily))]
		// 555-0100 to 555-0199 are reserved for fiction (NANPA); example.org
		// for examples (RFC 2606).
		sp.phone = fmt.Sprintf("+1 555 01%02d", rng.IntN(100))
		sp.email = fmt.Sprintf("%s.%s.%d@example.org", lowerASCII(sp.given), lowerASCII(sp.family), i+1)
		// Ages 18 to 75 at the first visit (the seeds' studies are of adults).
		day := rng.IntN(max(span-21, 1))
		first := clinic.DateOf(g.start).AddDays(day)
		age := 18 + rng.IntN(58)
		sp.birth = clinic.Date{Year: first.Year - age, Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)}
		sp.firstVisit = g.timeOf(first, 8*60+rng.IntN(8*60))
		sp.workup = demoWorkups[rng.IntN(len(demoWorkups))]
		sp.weightKg = float64(500+rng.IntN(600)) / 10 // 50.0–109.9 kg
		sp.workup.weight = strconv.FormatFloat(sp.weightKg, 'f', 1, 64) + "kg"
		sp.workup.height = strconv.Itoa(150+rng.IntN(40)) + "cm"
		sp.hr, sp.sys, sp.dia = 62+rng.IntN(20), 112+rng.IntN(20), 70+rng.IntN(12)
		sp.journalOpioids = rng.IntN(2) == 0
		treated := rng.Float64() < scaleTreated
		// The course starts on the Monday one to three weeks after the
		// first visit and must end (two weeks) before now.
		start := mondayOnOrBefore(first.AddDays(7 + rng.IntN(14)).AddDays(6))
		if treated && start.AddDays(14).Before(g.endDate) {
			protocol := scaleCourseProtocols[i%len(scaleCourseProtocols)]
			if protocol == "goldberg-2005" && sp.weightKg > 99 {
				// Goldberg's fixed 40 mg over 4 h is under the drug
				// library's outpatient soft minimum of 0.1 mg/kg/h above
				// 100 kg: the clinician chooses the weight-based protocol.
				protocol = "schwartzman-2009"
			}
			sp.courses = append(sp.courses, scaleCourse{protocol: protocol, start: start})
			b := start.AddDays(14)
			for {
				b = weekdayOnOrAfter(b.AddDays(60 + rng.IntN(61)))
				if !b.Before(g.endDate) || rng.Float64() >= scaleBoosterContinueShare {
					break
				}
				sp.courses = append(sp.courses, scaleCourse{protocol: scaleBoosterProtocol, start: b})
			}
			last := g.endDate.AddDays(-1)
			if rng.Float64() >= scaleJournalKeeps {
				if n := last.DaysSince(start); n > 60 {
					last = start.AddDays(60 + rng.IntN(n-59))
				}
			}
			sp.journalLast = last
		}
		out[i] = sp
	}
	// Today's infusions: the last treated patients (one in 200, at least
	// one) are on a booster started 80 minutes before now, so that the
	// dashboard, the charting page and a load test find sessions running.
	if g.end.Sub(g.timeOf(g.endDate, 0)) >= scaleRunningCheckIn {
		want := max(1, len(out)/200)
		for i := len(out) - 1; i >= 0 && want > 0; i-- {
			if sp := out[i]; len(sp.courses) > 0 {
				sp.courses = append(sp.courses, scaleCourse{protocol: scaleBoosterProtocol, start: g.endDate, running: true})
				want--
			}
		}
	}
	return out
}

// scaleRunningCheckIn is how long before now today's running infusions
// checked in.
const scaleRunningCheckIn = 80 * time.Minute

// weekdayOnOrAfter is d, or the Monday after when d falls on a weekend.
func weekdayOnOrAfter(d clinic.Date) clinic.Date {
	switch d.Time().Weekday() {
	case time.Saturday:
		return d.AddDays(2)
	case time.Sunday:
		return d.AddDays(1)
	}
	return d
}

// setup creates the clinic, its staff, the consent form and a stock lot for
// every month with sessions, received on the month's first day.
func (g *scaleGen) setup(ctx context.Context, patients []*scalePatient) error {
	db := g.db
	g.at(g.start)
	c := &clinic.Clinic{Name: "Lakeside Pain Clinics (scaled demo)"}
	if err := db.CreateClinic(ctx, c); err != nil {
		return fmt.Errorf("clinic: %w", err)
	}
	g.clinicID = c.ID
	g.staff.passwords = map[int64]string{}
	n := g.cfg.Patients
	staff := []struct {
		role  clinic.Role
		count int
	}{{clinic.RoleAdmin, 1}, {clinic.RoleClinician, max(2, n/1000)}, {clinic.RoleNurse, max(2, n/400)}}
	for _, s := range staff {
		for k := range s.count {
			pw, err := clinic.GeneratePassword()
			if err != nil {
				return err
			}
			u := &clinic.User{ClinicID: c.ID, Login: fmt.Sprintf("%s%d", s.role, k+1), Name: fmt.Sprintf("%s %s", scaleGivenFemale[(k*7+len(s.role)*5)%len(scaleGivenFemale)],
				scaleFamily[(k*11+len(s.role))%len(scaleFamily)]), Role: s.role}
			if s.role == clinic.RoleNurse {
				u.Name += ", RN"
			}
			if s.role == clinic.RoleClinician {
				u.Name = "Dr. " + u.Name
			}
			if err := db.CreateUser(ctx, u, pw); err != nil {
				return fmt.Errorf("user %s: %w", u.Login, err)
			}
			g.staff.passwords[u.ID] = pw
			g.res.Users++
			if k == 0 {
				g.res.Credentials = append(g.res.Credentials, Credential{Role: s.role, Name: u.Name, Login: u.Login, Password: pw})
			}
			switch s.role {
			case clinic.RoleClinician:
				g.staff.clinicians = append(g.staff.clinicians, u)
			case clinic.RoleNurse:
				g.staff.nurses = append(g.staff.nurses, u)
			}
		}
	}
	doc := g.as(ctx, g.staff.clinicians[0])
	if _, err := db.CreateConsentForm(doc, clinic.ConsentFormInput{Version: "1", Title: "Consent to a course of ketamine infusions for CRPS",
		Body: demoConsentBody, EffectiveFrom: clinic.DateOf(g.start).String()}); err != nil {
		return fmt.Errorf("consent form: %w", err)
	}
	// The ketamine each month's sessions need at most, plus a tenth.
	need := map[int]float64{}
	var months []int
	for _, sp := range patients {
		for _, c := range sp.courses {
			for _, d := range scaleSessionDates(c) {
				m := d.Year*12 + int(d.Month) - 1
				if _, ok := need[m]; !ok {
					months = append(months, m)
				}
				need[m] += 200 // the largest bag (scaleBag); Goldberg's hold at most 85 mg
			}
		}
	}
	slices.Sort(months)
	nurse := g.as(ctx, g.staff.nurses[0])
	vialMg := scaleLotStrengthMgPerML * scaleLotVialML
	for _, m := range months {
		first := clinic.Date{Year: m / 12, Month: time.Month(m%12 + 1), Day: 1}
		g.at(g.timeOf(first, 7*60))
		vials := int(need[m]*1.1/vialMg) + 2
		lot, _, err := db.ReceiveStock(nurse, stock.ReceiptInput{Product: "Ketamine hydrochloride injection", Drug: "racemic",
			Strength: "50mg/mL", VialVolume: "10mL", Lot: fmt.Sprintf("KH50-%04d%02d", first.Year, first.Month),
			Expiry: first.AddDays(scaleLotExpiryMonths * 30).String(), Vials: strconv.Itoa(vials),
			Supplier: "Northbridge Pharmaceutical Wholesale", Reference: fmt.Sprintf("INV-%04d-%02d", first.Year, first.Month)})
		if err != nil {
			return fmt.Errorf("stock of %s: %w", first, err)
		}
		g.lots[m] = lot
		g.res.Lots++
	}
	return nil
}

// scaleSessionDates are the days a course's sessions fall on, as the
// protocol's calendar lays them out: goldberg-2005 on ten weekdays from a
// Monday, schwartzman-2009 on ten consecutive days, a booster on its day.
// Scale checks them against the signed plan's days.
func scaleSessionDates(c scaleCourse) []clinic.Date {
	var out []clinic.Date
	switch c.protocol {
	case "goldberg-2005":
		for d := c.start; len(out) < 10; d = d.AddDays(1) {
			if wd := d.Time().Weekday(); wd != time.Saturday && wd != time.Sunday {
				out = append(out, d)
			}
		}
	case "schwartzman-2009":
		for k := range 10 {
			out = append(out, c.start.AddDays(k))
		}
	default:
		out = append(out, c.start)
	}
	return out
}

// scaleBagMg is the ketamine of a 4-hour infusion at 0.35 mg/kg/h
// (Schwartzman 2009, seed 001) for weight kg.
func scaleBagMg(kg float64) float64 { return 0.35 * kg * 4 }

// scaleBag is the bag of a 0.35 mg/kg/h course: 1 mg/mL, 100 mL when the
// four hours need at most 100 mg, else 200 mL.
func scaleBag(kg float64) string {
	if scaleBagMg(kg) <= 100 {
		return "100mg/100mL"
	}
	return "200mg/200mL"
}

// as acts as user u.
func (g *scaleGen) as(ctx context.Context, u *clinic.User) context.Context {
	return clinic.NewContext(ctx, &clinic.Actor{UserID: u.ID, ClinicID: u.ClinicID, Login: u.Login, Name: u.Name, Role: u.Role})
}

// pick returns one of users.
func (g *scaleGen) pick(users []*clinic.User) *clinic.User { return users[g.rng.IntN(len(users))] }

// patient creates the patient, the intake and the diagnosis at the first visit.
func (g *scaleGen) patient(ctx context.Context, sp *scalePatient) (*clinic.Patient, error) {
	db := g.db
	g.at(sp.firstVisit)
	p := &clinic.Patient{ClinicID: g.clinicID, MRN: sp.mrn, GivenName: sp.given, FamilyName: sp.family, BirthDate: sp.birth,
		Sex: sp.sex, Phone: sp.phone, Email: sp.email}
	if err := db.CreatePatient(ctx, p); err != nil {
		return nil, err
	}
	g.res.Patients++
	nurse, doc := g.as(ctx, g.pick(g.staff.nurses)), g.as(ctx, g.pick(g.staff.clinicians))
	g.at(sp.firstVisit.Add(10 * time.Minute))
	in, err := sp.workup.intake(sp.firstVisit, clinic.DateOf(sp.firstVisit), g.clock)
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	if _, err := db.SaveIntake(nurse, p.ID, in); err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	if dx := sp.workup.diagnosis(sp.firstVisit); dx != nil {
		g.at(sp.firstVisit.Add(40 * time.Minute))
		if _, err := db.SaveDiagnosis(doc, p.ID, *dx); err != nil {
			return nil, fmt.Errorf("diagnosis: %w", err)
		}
		g.res.Diagnoses++
	}
	return p, nil
}

// course creates, signs and consents one course and charts its sessions.
func (g *scaleGen) course(ctx context.Context, p *clinic.Patient, sp *scalePatient, sc scaleCourse) error {
	db := g.db
	doc := g.as(ctx, g.pick(g.staff.clinicians))
	in := clinic.PlanInput{ProtocolID: sc.protocol, Weight: strconv.FormatFloat(sp.weightKg, 'f', 1, 64) + "kg", StartDate: sc.start}
	switch sc.protocol {
	case "goldberg-2005":
		in.Settings = scaleGoldbergSettings
	case "schwartzman-2009":
		in.Settings, in.Bag = scaleSchwartzmanSettings, scaleBag(sp.weightKg)
	default:
		in.Settings, in.Bag = scaleInnerbloomSettings, scaleBag(sp.weightKg)
	}
	// Planned, signed and consented at the clinic the week before.
	g.at(g.timeOf(sc.start.AddDays(-7), 10*60))
	c, err := db.CreateCourse(doc, p.ID, "", in)
	if err != nil {
		return err
	}
	g.at(g.clock.Add(5 * time.Minute))
	v, err := db.SignPlan(doc, c.ID, 1, 0)
	if err != nil {
		return err
	}
	g.at(g.clock.Add(5 * time.Minute))
	if _, err := db.RecordConsent(doc, c.ID, clinic.ConsentInput{Method: clinic.ConsentAttestation, Agreed: true}); err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	g.res.Courses++
	dates := scaleSessionDates(sc)
	if len(v.Plan.Days) != len(dates) {
		return fmt.Errorf("the signed plan has %d days, the generator expected %d", len(v.Plan.Days), len(dates))
	}
	ten := len(dates) > 1
	if ten {
		g.res.TenDayCourses++
		if err := g.measures(ctx, p, sc.start, false); err != nil {
			return err
		}
	}
	for k, d := range v.Plan.Days {
		if d.Date != dates[k] {
			return fmt.Errorf("day %d of the signed plan is %s, the generator expected %s", d.Day, d.Date, dates[k])
		}
		if err := g.session(ctx, c, sp, d, sc.running); err != nil {
			return fmt.Errorf("day %d (%s): %w", d.Day, d.Date, err)
		}
	}
	if ten {
		return g.measures(ctx, p, sc.start.AddDays(demoCourseDays+2), true)
	}
	return nil
}

// measures records the TUG, 2-minute walk and LCI before (day 1) or after
// a course, shaped like Dworkin et al.'s Table 1 (seed
// 000_54b676c875befc41.txt: LCI 23 → 42 of 56, TUG 42 → 19 s, 2-minute walk
// 148 → 292 ft), with smaller and varied changes.
func (g *scaleGen) measures(ctx context.Context, p *clinic.Patient, on clinic.Date, after bool) error {
	rng := g.rng
	tug, walk, lci := 18+rng.Float64()*24, 120+rng.IntN(120), 20+rng.IntN(14)
	if after {
		tug, walk, lci = tug*(0.55+0.3*rng.Float64()), walk+20+rng.IntN(100), lci+3+rng.IntN(12)
	}
	nurse := g.as(ctx, g.pick(g.staff.nurses))
	g.at(g.timeOf(on, 8*60+30))
	for _, m := range []*clinic.FunctionalMeasure{
		{Kind: clinic.MeasureTUG, Value: strconv.FormatFloat(tug, 'f', 1, 64), Unit: "s"},
		{Kind: clinic.MeasureWalk2Min, Value: strconv.Itoa(walk), Unit: "ft"},
		{Kind: clinic.MeasureLCI, Value: strconv.Itoa(min(lci, 56)), Unit: "/56"},
	} {
		m.PatientID, m.MeasuredOn = p.ID, on
		if err := g.db.RecordMeasure(nurse, m); err != nil {
			return fmt.Errorf("measure %s: %w", m.Kind, err)
		}
		g.res.Measures++
	}
	return nil
}

// scaleSideEffects are the mild effects Goldberg's nurses watched for (seed
// 003: "hypertension, tachycardia, dysphoria, hallucinations, dreams, and
// headaches") with the usual answer.
var scaleSideEffects = []infusion.SideEffect{
	{Effect: infusion.SEDysphoria, Severity: infusion.Mild, Action: "reassured; lights dimmed"},
	{Effect: infusion.SEVividDreams, Severity: infusion.Mild, Action: "reassured"},
	{Effect: infusion.SEHeadache, Severity: infusion.Mild, Action: "none"},
	{Effect: infusion.SENausea, Severity: infusion.Mild, Action: "ondansetron offered"},
	{Effect: infusion.SERestlessness, Severity: infusion.Mild, Action: "reassured; music"},
}

// scaleScript is one session's chart as the nurses enter it: the events
// before the bag is prepared (check-in), the rest, and the bag.
type scaleScript struct {
	before, after []infusion.Event
	rate          float64 // mg/h of the programme
}

// session opens and charts one session of plan day d.
func (g *scaleGen) session(ctx context.Context, c *clinic.Course, sp *scalePatient, d clinic.PlanDay, running bool) error {
	db, rng := g.db, g.rng
	nurse := g.as(ctx, g.pick(g.staff.nurses))
	witness := g.pick(g.staff.clinicians)
	checkIn := g.timeOf(d.Date, 8*60+15*rng.IntN(20)) // 8:00 to 12:45
	if running {
		checkIn = g.end.Add(-scaleRunningCheckIn).Truncate(time.Minute)
	}
	g.at(checkIn.Add(-5 * time.Minute))
	s, err := db.OpenSession(nurse, c.ID, d.Day, d.Date)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	g.res.Sessions++
	order := s.State.Order
	if order.Bag == nil || len(order.Steps) == 0 {
		return fmt.Errorf("the order of session %d has no bag or no rate", s.ID)
	}
	sc, err := g.script(sp, order, checkIn, c.Latest().Plan.ProtocolID)
	if err != nil {
		return err
	}
	if err := g.chart(nurse, s.ID, sc.before); err != nil {
		return err
	}
	// The bag: drawn from the month's lot, witnessed by a clinician.
	lot := g.lots[d.Date.Year*12+int(d.Date.Month)-1]
	amount, volume, ok := order.Bag.Amount()
	if !ok {
		return fmt.Errorf("the order of session %d names a concentration, not an amount in a volume", s.ID)
	}
	mg, ml := amount.Milligrams(), volume.Milliliters()
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	creds := stock.Credentials{Login: witness.Login, Password: g.staff.passwords[witness.ID]}
	g.at(checkIn.Add(6 * time.Minute))
	prep, err := db.PrepareBag(nurse, s.ID, stock.PreparationInput{
		Draws:   []stock.DrawInput{{Lot: lot.ID, Volume: f(mg/lot.MgPerML()) + "mL"}},
		MgAdded: f(mg) + "mg", Diluent: "sodium chloride 0.9%", FinalVolume: f(ml) + "mL", Witness: creds})
	if err != nil {
		return fmt.Errorf("bag: %w", err)
	}
	if running {
		// Charted up to now (an alert raised meanwhile is left open);
		// the bag is still hanging.
		var sofar []infusion.Event
		for _, e := range sc.after {
			if !e.At.After(g.end.Add(-time.Minute)) && e.Kind != infusion.KindAcknowledge && e.Kind != infusion.KindRateChange {
				sofar = append(sofar, e)
			}
		}
		return g.chart(nurse, s.ID, sofar)
	}
	// The infusion is charted up to the vitals that raised an alert, then
	// the acknowledgement (naming the alert) and the rest.
	rest := sc.after
	for i, e := range sc.after {
		if e.Kind == infusion.KindAcknowledge {
			if err := g.chart(nurse, s.ID, sc.after[:i]); err != nil {
				return err
			}
			ack := *e.Acknowledge
			ack.AlertSeq = g.lastAlert
			e.Acknowledge = &ack
			rest = append([]infusion.Event{e}, sc.after[i+1:]...)
			break
		}
	}
	if err := g.chart(nurse, s.ID, rest); err != nil {
		return err
	}
	// Waste what is left once discharged.
	g.at(sc.after[len(sc.after)-1].At.Add(5 * time.Minute))
	left := prep.MgAdded - float64(g.charted.BagGivenMg(0, g.clock))
	if left >= 0.05 {
		if _, err := db.WasteBag(nurse, prep.ID, stock.WasteInput{Amount: f(roundTo(left/prep.MgPerML(), 0.01)) + "mL", Witness: creds,
			Reason: scaleWasteReason(left, roundTo(left/prep.MgPerML(), 0.01)*prep.MgPerML())}); err != nil {
			return fmt.Errorf("waste: %w", err)
		}
		g.res.Wastes++
	}
	return nil
}

// scaleWasteReason explains a waste rounded to 0.01 mL below what remains
// (the bag's scale): empty when the rounding changed nothing.
func scaleWasteReason(leftMg, wastedMg float64) string {
	if leftMg-wastedMg < 1e-9 {
		return ""
	}
	return "measured to 0.01 mL"
}

// roundTo rounds v down to a multiple of step.
func roundTo(v, step float64) float64 {
	n := int64(v/step + 1e-9)
	return float64(n) * step
}

// chart records events in order with the clock half a minute after the
// last of them (the nurse enters them together: the check-in, then the
// infusion from the monitor's record, and an alert's answer once seen),
// remembering the chart and the seq of the last alert raised. In a batch
// the events go in one RecordEvents call; OneByOne, one RecordEvent each
// (the same rows).
func (g *scaleGen) chart(nurse context.Context, sessionID int64, evs []infusion.Event) error {
	if len(evs) == 0 {
		return nil
	}
	g.at(evs[len(evs)-1].At.Add(30 * time.Second))
	var s *clinic.InfusionSession
	var appended []infusion.Event
	if g.cfg.OneByOne {
		for _, e := range evs {
			var more []infusion.Event
			var err error
			if s, more, err = g.db.RecordEvent(nurse, sessionID, e); err != nil {
				return fmt.Errorf("%s at %s: %w", e.Kind, e.At.Format(time.RFC3339), err)
			}
			appended = append(appended, more...)
		}
	} else {
		var err error
		if s, appended, err = g.db.RecordEvents(nurse, sessionID, evs); err != nil {
			return fmt.Errorf("chart from %s: %w", evs[0].At.Format(time.RFC3339), err)
		}
	}
	g.charted = s.State
	for _, a := range appended {
		if a.Kind == infusion.KindAlert {
			g.lastAlert = a.Seq
			g.res.Alerts++
		}
	}
	g.res.Events += len(evs)
	return nil
}

// script draws one session's chart from check-in at t0.
func (g *scaleGen) script(sp *scalePatient, order infusion.Order, t0 time.Time, protocol string) (scaleScript, error) {
	rng := g.rng
	sc := scaleScript{rate: float64(order.Steps[0].RateMgPerH)}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	base := vitalsNear(sp.hr+4, sp.sys+6, sp.dia+4, rng)
	ci := &infusion.CheckIn{Weight: units.Kilograms(sp.weightKg), Baseline: base, BaselineAt: t0}
	if protocol != scaleBoosterProtocol {
		// The premedication the course's settings chose (clonidine 0.1 mg
		// PO, midazolam 2 mg IV: see demoGoldbergSettings and
		// demoSchwartzmanSettings).
		clon, err := units.ParseDose("dose", "0.1mg")
		if err != nil {
			return sc, err
		}
		mid, err := units.ParseDose("dose", "2mg")
		if err != nil {
			return sc, err
		}
		ci.Premedication = []infusion.Medication{{Drug: "clonidine", Dose: clon, Route: infusion.RoutePO, At: t0},
			{Drug: "midazolam", Dose: mid, Route: infusion.RouteIV, At: t0}}
	}
	sc.before = []infusion.Event{{Kind: infusion.KindCheckIn, At: t0, CheckIn: ci}}
	rate, err := units.ParseDoseRate("rate", f(sc.rate)+"mg/h")
	if err != nil {
		return sc, err
	}
	checker := g.pick(g.staff.nurses).Name
	started := t0.Add(15 * time.Minute)
	evs := []infusion.Event{
		{Kind: infusion.KindProgramme, At: t0.Add(10 * time.Minute), Programme: &infusion.Programme{Drug: order.Drug, Bag: *order.Bag,
			Entered: rate, DoubleCheck: infusion.DoubleCheck{By: checker, Drug: order.Drug, Concentration: *order.Bag}}},
		{Kind: infusion.KindStart, At: started},
	}
	tachy := rng.Float64() < 0.04
	minutes := []int{5, 10}
	for m := 15; m <= 240; m += 15 {
		minutes = append(minutes, m)
	}
	for _, m := range minutes {
		v := vitalsNear(sp.hr, sp.sys, sp.dia, rng)
		if tachy && m == 30 {
			// 25 % over the baseline: Goldberg's alert (seed 003: "3/40
			// patients experienced a 20% increase over their baseline heart
			// rate").
			v.HeartRate = infusion.PerMinute(float64(base.HeartRate)*1.25 + 1)
		}
		evs = append(evs, infusion.Event{Kind: infusion.KindVitals, At: started.Add(time.Duration(m) * time.Minute), Vitals: &v})
	}
	if tachy {
		// A quarter lower, but not under the drug library's outpatient soft
		// minimums (10 mg/h and 0.1 mg/kg/h, sourced there), which would
		// need an override: at the minimum already, the nurse watches.
		lower := math.Ceil(max(sc.rate*0.75, 10, 0.1*sp.weightKg)*100) / 100
		if lower >= sc.rate {
			evs = append(evs, infusion.Event{Kind: infusion.KindAcknowledge, At: started.Add(32 * time.Minute),
				Acknowledge: &infusion.Acknowledgement{Action: "at the lowest rate already; settled, vitals rechecked"}})
		} else {
			r, err := units.ParseDoseRate("rate", f(lower)+"mg/h")
			if err != nil {
				return sc, err
			}
			evs = append(evs,
				infusion.Event{Kind: infusion.KindAcknowledge, At: started.Add(32 * time.Minute),
					Acknowledge: &infusion.Acknowledgement{Action: "rate lowered by a quarter; vitals rechecked"}},
				infusion.Event{Kind: infusion.KindRateChange, At: started.Add(33 * time.Minute),
					RateChange: &infusion.RateChange{Entered: r, Reason: "heart rate 20 % or more above baseline"}})
		}
	}
	if rng.Float64() < 0.15 {
		se := scaleSideEffects[rng.IntN(len(scaleSideEffects))]
		evs = append(evs, infusion.Event{Kind: infusion.KindSideEffect, At: started.Add(time.Duration(20+rng.IntN(200)) * time.Minute), SideEffect: &se})
	}
	stop := started.Add(order.PlannedDuration())
	after1, after2 := vitalsNear(sp.hr, sp.sys, sp.dia, rng), vitalsNear(sp.hr, sp.sys, sp.dia, rng)
	evs = append(evs,
		infusion.Event{Kind: infusion.KindStop, At: stop, Stop: &infusion.Stop{Reason: infusion.StopCompleted}},
		infusion.Event{Kind: infusion.KindVitals, At: stop.Add(15 * time.Minute), Vitals: &after1},
		infusion.Event{Kind: infusion.KindVitals, At: stop.Add(30 * time.Minute), Vitals: &after2},
		infusion.Event{Kind: infusion.KindDischarge, At: stop.Add(35 * time.Minute), Discharge: &infusion.DischargeAssessment{
			Activity: 2, Respiration: 2, Consciousness: 2, Ambulation: 2, NauseaVomiting: 2, Pain: 1, Bleeding: 2, EscortPresent: true}})
	// In time order (a side effect falls between vitals).
	slices.SortStableFunc(evs, func(a, b infusion.Event) int { return a.At.Compare(b.At) })
	sc.after = evs
	return sc, nil
}

// scaleBoosterReliefDays is how long a booster's relief lasts in the
// journal: the demo's own shape (Goldberg's boosters are not timed in
// seed 003), about the six weeks of Goldberg's ≥ 70 % relief group.
const scaleBoosterReliefDays = 45

// journal sets the patient's journal day 1 (the first infusion) and returns
// the journal from day 1 to sp.journalLast: the course days from rows (the
// Goldberg-like cohort), then relief for reliefDays (cohort.Relief) and
// after each booster, at about half the day-1 ratings, and baseline
// otherwise (followUp and fillDemoExtras of journal.go).
func (g *scaleGen) journal(ctx context.Context, p *clinic.Patient, sp *scalePatient, rows []outcomes.JournalRow, reliefDays int) ([]*clinic.JournalEntry, error) {
	if sp.journalLast.IsZero() || len(sp.courses) == 0 {
		return nil, nil
	}
	rng := g.rng
	day1 := sp.courses[0].start
	g.at(g.timeOf(day1, 7*60))
	if err := g.db.SetJournalDay1(ctx, p.ID, day1); err != nil {
		return nil, err
	}
	relievedUntil := func(d clinic.Date) bool {
		if d.DaysSince(day1) < demoCourseDays+reliefDays {
			return true
		}
		for _, c := range sp.courses[1:] {
			if n := d.DaysSince(c.start); n >= 0 && n < scaleBoosterReliefDays {
				return true
			}
		}
		return false
	}
	opioids := 1
	if sp.journalOpioids {
		opioids = 0
	}
	base := rows[0].Scores
	n := sp.journalLast.DaysSince(day1) + 1
	out := make([]*clinic.JournalEntry, 0, n)
	for day := 1; day <= n; day++ {
		date := day1.AddDays(day - 1)
		e := clinic.NewJournalEntry(p.ID, date)
		relieved := day > demoCourseDays && relievedUntil(date)
		switch {
		case day <= demoCourseDays:
			e.Scores = rows[day-1].Scores
		case relieved:
			e.Scores = followUp(base, 0.45, 55, rng)
		default:
			e.Scores = followUp(base, 1, 5, rng)
		}
		fillDemoExtras(e, day, opioids, relieved, rng)
		out = append(out, e)
	}
	g.res.JournalDays += len(out)
	g.res.JournalPatients++
	return out, nil
}
