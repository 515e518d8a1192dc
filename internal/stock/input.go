package stock

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/units"
)

// ReceiptInput is stock received as the form and the API send it:
// quantities as text with their units.
type ReceiptInput struct {
	Product string `json:"product"`
	// Drug is "racemic" or "s-ketamine": what a pump programme names.
	Drug string `json:"drug"`
	// Strength as on the vial: "50mg/mL", "100mg/mL".
	Strength string `json:"strength"`
	// VialVolume is one vial's volume: "10mL".
	VialVolume string `json:"vial_volume"`
	Lot        string `json:"lot"`
	// Expiry is YYYY-MM-DD (a month-only expiry is the month's last day:
	// write it so).
	Expiry    string `json:"expiry"`
	Vials     string `json:"vials"`
	Supplier  string `json:"supplier"`
	Reference string `json:"reference"`
	At        string `json:"at,omitempty"`
}

// Receipt is a parsed ReceiptInput.
type Receipt struct {
	Lot       Lot
	Vials     int
	Supplier  string
	Reference string
}

// TotalML is the volume received.
func (r Receipt) TotalML() float64 { return float64(r.Vials) * r.Lot.VialML }

// Parse checks the receipt on date today (the server clock's date in the
// clinic's zone): an expired lot is refused.
func (in ReceiptInput) Parse(today clinic.Date) (Receipt, error) {
	var r Receipt
	var err error
	if r.Lot.Product, err = text("product", in.Product, true, 200); err != nil {
		return r, err
	}
	switch d := infusion.Drug(strings.TrimSpace(in.Drug)); d {
	case infusion.Racemic, infusion.SKetamine:
		r.Lot.Drug = d
	default:
		return r, clinic.Invalid("drug", "%q is not a drug of the pump (racemic or s-ketamine)", in.Drug)
	}
	if strings.TrimSpace(in.Strength) == "" {
		return r, clinic.Invalid("strength", "is required, as on the vial (e.g. 50mg/mL or 100mg/mL)")
	}
	if r.Lot.Strength, err = units.ParseConcentration("strength", strings.TrimSpace(in.Strength)); err != nil {
		return r, clinic.Invalid("strength", "%v", err)
	}
	if _, _, bag := r.Lot.Strength.Amount(); bag {
		// "500mg/10mL" is a vial's content: accept it as the strength it is.
		r.Lot.Strength = units.MilligramsPerMilliliter(r.Lot.Strength.MilligramsPerMilliliter())
	}
	if v := r.Lot.Strength.MilligramsPerMilliliter(); !(v > 0) || math.IsInf(v, 0) {
		return r, clinic.Invalid("strength", "must be a positive mg/mL")
	}
	if r.Lot.VialML, err = volume("vial_volume", in.VialVolume, "10mL"); err != nil {
		return r, err
	}
	if r.Lot.LotNumber, err = text("lot", in.Lot, true, 60); err != nil {
		return r, err
	}
	if strings.TrimSpace(in.Expiry) == "" {
		return r, clinic.Invalid("expiry", "is required (YYYY-MM-DD, as on the vial)")
	}
	if r.Lot.Expiry, err = clinic.ParseDate(strings.TrimSpace(in.Expiry)); err != nil {
		return r, clinic.Invalid("expiry", "%q is not a date (YYYY-MM-DD)", in.Expiry)
	}
	if r.Lot.Expired(today) {
		return r, clinic.Invalid("expiry", "lot %s expired on %s (today is %s): expired stock is not received into use", r.Lot.LotNumber, r.Lot.Expiry, today)
	}
	if r.Vials, err = count("vials", in.Vials); err != nil {
		return r, err
	}
	if r.Supplier, err = text("supplier", in.Supplier, true, 200); err != nil {
		return r, err
	}
	if r.Reference, err = text("reference", in.Reference, true, 200); err != nil {
		return r, err
	}
	return r, nil
}

// DrawInput is one draw from a lot into the bag: the lot's ID and the
// volume drawn ("0.8mL").
type DrawInput struct {
	Lot    int64  `json:"lot_id"`
	Volume string `json:"volume"`
}

// PreparationInput is a bag prepared at check-in.
type PreparationInput struct {
	Draws []DrawInput `json:"draws"`
	// MgAdded is the ketamine added, "40mg": it must equal what the draws
	// give (an independent sum).
	MgAdded string `json:"mg_added"`
	// Diluent, e.g. "sodium chloride 0.9%".
	Diluent string `json:"diluent"`
	// FinalVolume is the bag's volume after mixing, "500mL".
	FinalVolume string      `json:"final_volume"`
	Witness     Credentials `json:"witness"`
	Note        string      `json:"note,omitempty"`
}

// Draw is a parsed draw.
type Draw struct {
	Lot *Lot
	ML  float64
	Mg  float64
}

// PreparationPlan is a parsed PreparationInput, checked against the lots.
type PreparationPlan struct {
	Draws         []Draw
	MgAdded       float64
	Diluent       string
	FinalVolumeML float64
	Bag           units.Concentration
	Note          string
}

// Parse checks the preparation against lots (by ID, with stock on hand),
// the session's drug and today's date.
func (in PreparationInput) Parse(lots map[int64]*Lot, drug infusion.Drug, today clinic.Date) (PreparationPlan, error) {
	var p PreparationPlan
	if len(in.Draws) == 0 {
		return p, clinic.Invalid("draws[0].lot_id", "choose the lot drawn from (at least one draw)")
	}
	if len(in.Draws) > 20 {
		return p, clinic.Invalid("draws", "at most 20 draws per bag")
	}
	usedML := map[int64]float64{}
	var sum float64
	var parts []string
	for i, d := range in.Draws {
		field := fmt.Sprintf("draws[%d]", i)
		l := lots[d.Lot]
		if l == nil {
			return p, clinic.Invalid(field+".lot_id", "choose a lot of this clinic's stock")
		}
		if l.Expired(today) {
			return p, clinic.Invalid(field+".lot_id", "lot %s expired on %s (today is %s): it cannot be used", l.LotNumber, l.Expiry, today)
		}
		if l.Drug != drug {
			return p, clinic.Invalid(field+".lot_id", "lot %s is %s ketamine but the session's order is %s", l.LotNumber, l.Drug, drug)
		}
		ml, err := volume(field+".volume", d.Volume, "0.8mL")
		if err != nil {
			return p, err
		}
		usedML[l.ID] += ml
		if usedML[l.ID] > l.OnHandML*(1+Tolerance) {
			return p, clinic.Invalid(field+".volume", "lot %s holds %s mL in the book; %s mL cannot be drawn from it", l.LotNumber, num(l.OnHandML), num(usedML[l.ID]))
		}
		mg := ml * l.MgPerML()
		sum += mg
		parts = append(parts, fmt.Sprintf("%s mL of lot %s at %s mg/mL = %s mg", num(ml), l.LotNumber, num(l.MgPerML()), num(mg)))
		p.Draws = append(p.Draws, Draw{Lot: l, ML: ml, Mg: mg})
	}
	if strings.TrimSpace(in.MgAdded) == "" {
		return p, clinic.Invalid("mg_added", "is required, with its unit (e.g. 40mg)")
	}
	m, err := units.ParseMass("mg_added", strings.TrimSpace(in.MgAdded))
	if err != nil {
		return p, clinic.Invalid("mg_added", "%v", err)
	}
	p.MgAdded = m.Milligrams()
	if !(p.MgAdded > 0) {
		return p, clinic.Invalid("mg_added", "must be more than 0 mg")
	}
	if !same(p.MgAdded, sum) {
		return p, clinic.Invalid("mg_added", "%s mg entered, but the draws give %s mg (%s)", num(p.MgAdded), num(sum), strings.Join(parts, "; "))
	}
	if p.Diluent, err = text("diluent", in.Diluent, true, 200); err != nil {
		return p, err
	}
	if p.FinalVolumeML, err = volume("final_volume", in.FinalVolume, "500mL"); err != nil {
		return p, err
	}
	var drawnML float64
	for _, d := range p.Draws {
		drawnML += d.ML
	}
	if p.FinalVolumeML < drawnML {
		return p, clinic.Invalid("final_volume", "%s mL is less than the %s mL drawn into the bag", num(p.FinalVolumeML), num(drawnML))
	}
	if p.Note, err = text("note", in.Note, false, 2000); err != nil {
		return p, err
	}
	p.Bag, err = units.Bag(units.Milligrams(p.MgAdded), units.Milliliters(p.FinalVolumeML))
	if err != nil {
		return p, clinic.Invalid("final_volume", "%v", err)
	}
	return p, nil
}

// CheckProgramme refuses a bag that differs from the one the pump was
// programmed with (nil: not programmed yet).
func (p PreparationPlan) CheckProgramme(hung *infusion.Bag) error {
	if hung == nil {
		return nil
	}
	if !same(p.MgAdded, float64(hung.AmountMg)) {
		return clinic.Invalid("mg_added", "the bag holds %s mg but the pump is programmed with %s mg in %s mL: prepare the bag the pump was programmed with, or change the programme",
			num(p.MgAdded), num(float64(hung.AmountMg)), num(float64(hung.VolumeML)))
	}
	if !same(p.FinalVolumeML, float64(hung.VolumeML)) {
		return clinic.Invalid("final_volume", "the bag's final volume is %s mL but the pump is programmed with %s mg in %s mL: prepare the bag the pump was programmed with, or change the programme",
			num(p.FinalVolumeML), num(float64(hung.AmountMg)), num(float64(hung.VolumeML)))
	}
	return nil
}

// WasteInput is the remainder of a bag wasted.
type WasteInput struct {
	// Amount is what was wasted: a volume of the bag ("62.5mL") or mg ("5mg").
	Amount string `json:"amount"`
	// Reason explains a waste that differs from what the chart says
	// remains by WasteResolutionML or more; it is required then.
	Reason  string      `json:"reason,omitempty"`
	Witness Credentials `json:"witness"`
}

// ParseWaste reads the amount wasted from bag p, which holds remainingMg by
// the chart: more than remains is refused and less needs a reason, unless
// the difference is less than a graduation of the syringe the remainder is
// read with (p.Accounted: WasteResolutionML).
func (in WasteInput) ParseWaste(p *Preparation, remainingMg float64) (mg float64, reason string, err error) {
	a := strings.TrimSpace(in.Amount)
	if a == "" {
		return 0, "", clinic.Invalid("amount", "is required, in mL of the bag or mg (0mL for an empty bag)")
	}
	if v, verr := units.ParseVolume("amount", a); verr == nil {
		mg = v.Milliliters() * p.MgPerML()
	} else if m, merr := units.ParseMass("amount", a); merr == nil {
		mg = m.Milligrams()
	} else {
		return 0, "", clinic.Invalid("amount", "%q is not a volume or an amount: write e.g. 62.5mL or 5mg (0mL for an empty bag)", a)
	}
	if mg < 0 || math.IsNaN(mg) || math.IsInf(mg, 0) {
		return 0, "", clinic.Invalid("amount", "must be 0 or more")
	}
	if remainingMg < 0 {
		remainingMg = 0
	}
	if mg > remainingMg && !same(mg, remainingMg) && !p.Accounted(remainingMg-mg) {
		return 0, "", clinic.Invalid("amount", "%s mg (%s mL) is more than the %s mg (%s mL) that remains in bag %d by the chart",
			num(mg), num(mg/p.MgPerML()), num(remainingMg), num(remainingMg/p.MgPerML()), p.BagNumber)
	}
	if reason, err = text("reason", in.Reason, false, 2000); err != nil {
		return 0, "", err
	}
	if !same(mg, remainingMg) && !p.Accounted(remainingMg-mg) && reason == "" {
		return 0, "", clinic.Invalid("reason", "%s mg remains by the chart and %s mg is wasted: say why they differ (the difference is flagged for reconciliation)", num(remainingMg), num(mg))
	}
	return mg, reason, nil
}

// AdjustInput is a count or a disposal on a lot.
type AdjustInput struct {
	Kind Kind `json:"kind"` // count or dispose
	// Volume counted or disposed: "97.5mL" or a number of vials "10 vials".
	Volume  string      `json:"volume"`
	Reason  string      `json:"reason,omitempty"`
	Witness Credentials `json:"witness"`
}

// ParseVolume reads the volume of an adjustment on lot l.
func (in AdjustInput) ParseVolume(l *Lot) (float64, string, error) {
	if in.Kind != KindCount && in.Kind != KindDispose {
		return 0, "", clinic.Invalid("kind", "%q is not count or dispose", in.Kind)
	}
	v := strings.TrimSpace(in.Volume)
	var ml float64
	if n, ok := strings.CutSuffix(v, "vials"); ok || strings.HasSuffix(v, "vial") {
		if !ok {
			n = strings.TrimSuffix(v, "vial")
		}
		k, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || k < 0 {
			return 0, "", clinic.Invalid("volume", "%q is not a whole number of vials", v)
		}
		ml = float64(k) * l.VialML
	} else if v == "0" {
		ml = 0
	} else {
		vol, err := units.ParseVolume("volume", v)
		if err != nil {
			return 0, "", clinic.Invalid("volume", "%v (or a number of vials, e.g. 10 vials)", err)
		}
		ml = vol.Milliliters()
		if ml < 0 || math.IsNaN(ml) {
			return 0, "", clinic.Invalid("volume", "must be 0 or more")
		}
	}
	reason, err := text("reason", in.Reason, in.Kind == KindDispose, 2000)
	if err != nil {
		return 0, "", err
	}
	if in.Kind == KindDispose {
		if !(ml > 0) {
			return 0, "", clinic.Invalid("volume", "a disposal is more than 0 mL")
		}
		if ml > l.OnHandML*(1+Tolerance) {
			return 0, "", clinic.Invalid("volume", "lot %s holds %s mL in the book; %s mL cannot be disposed of", l.LotNumber, num(l.OnHandML), num(ml))
		}
	}
	return ml, reason, nil
}

// CorrectionInput corrects an entry: a signed change to the lot (mL) or to
// the bag (mg) the entry was on, with the reason.
type CorrectionInput struct {
	// Change is signed: "-2mL" (lot) or "+1.5mg" (bag).
	Change  string      `json:"change"`
	Reason  string      `json:"reason"`
	Witness Credentials `json:"witness"`
}

// Parse reads the change: a volume changes the entry's lot, an amount its
// bag.
func (in CorrectionInput) Parse() (lotML, bagMg float64, reason string, err error) {
	c := strings.TrimSpace(in.Change)
	sign := 1.0
	switch {
	case strings.HasPrefix(c, "-"), strings.HasPrefix(c, "−"):
		sign, c = -1, strings.TrimLeft(c, "-−")
	case strings.HasPrefix(c, "+"):
		c = c[1:]
	}
	if c == "" {
		return 0, 0, "", clinic.Invalid("change", "is required: a signed volume of the lot (e.g. -2mL) or amount of the bag (e.g. +1.5mg)")
	}
	if v, verr := units.ParseVolume("change", c); verr == nil {
		lotML = sign * v.Milliliters()
	} else if m, merr := units.ParseMass("change", c); merr == nil {
		bagMg = sign * m.Milligrams()
	} else {
		return 0, 0, "", clinic.Invalid("change", "%q is not a signed volume (e.g. -2mL) or amount (e.g. +1.5mg)", in.Change)
	}
	if lotML == 0 && bagMg == 0 {
		return 0, 0, "", clinic.Invalid("change", "a correction changes something: not 0")
	}
	reason, err = text("reason", in.Reason, true, 2000)
	return lotML, bagMg, reason, err
}

// volume parses a required positive volume in mL.
func volume(field, s, example string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, clinic.Invalid(field, "is required, with its unit (e.g. %s)", example)
	}
	v, err := units.ParseVolume(field, s)
	if err != nil {
		return 0, clinic.Invalid(field, "%v", err)
	}
	ml := v.Milliliters()
	if !(ml > 0) || math.IsInf(ml, 0) {
		return 0, clinic.Invalid(field, "must be more than 0 mL")
	}
	return ml, nil
}

// count parses a required whole number from 1 to 10,000.
func count(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return 0, clinic.Invalid(field, "%q is not a whole number of vials from 1 to 10000", s)
	}
	return n, nil
}

// num prints a quantity for a message: up to 6 significant digits.
func num(v float64) string { return units.FormatNumber(v, 6) }
