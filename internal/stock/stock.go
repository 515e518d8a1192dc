package stock

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Kind is the kind of a ledger entry.
type Kind string

// The kinds of ledger entries.
const (
	KindReceive    Kind = "receive"    // vials into stock
	KindDraw       Kind = "draw"       // from a lot into a bag
	KindWaste      Kind = "waste"      // the remainder of a bag, witnessed
	KindDispose    Kind = "dispose"    // out of stock other than into a bag (expired, broken), witnessed
	KindCount      Kind = "count"      // a physical count against the book, witnessed
	KindCorrection Kind = "correction" // corrects an earlier entry, with a reason, witnessed
)

// Lot is one lot of one product as received, with its stock on hand.
type Lot struct {
	ID        int64               `json:"id"`
	ClinicID  int64               `json:"clinic_id"`
	Product   string              `json:"product"`
	Drug      infusion.Drug       `json:"drug"`
	Strength  units.Concentration `json:"strength"`
	VialML    float64             `json:"vial_volume_ml"`
	LotNumber string              `json:"lot_number"`
	Expiry    clinic.Date         `json:"expiry"`
	CreatedAt time.Time           `json:"created_at"`
	// OnHandML and OnHandMg are the book stock: the sum of the lot's
	// ledger entries.
	OnHandML float64 `json:"on_hand_ml"`
	OnHandMg float64 `json:"on_hand_mg"`
}

// MgPerML is the lot's strength in mg/mL.
func (l *Lot) MgPerML() float64 { return l.Strength.MilligramsPerMilliliter() }

// Expired reports whether the lot is past its expiry on date today: a lot
// may be used up to and including its expiry date.
func (l *Lot) Expired(today clinic.Date) bool { return l.Expiry.Before(today) }

// Label is how the lot is named in lists: "Ketamine 50 mg/mL · lot K123 (exp 2027-06-30)".
func (l *Lot) Label() string {
	return l.Product + " " + l.Strength.Format(4) + " · lot " + l.LotNumber + " (exp " + l.Expiry.String() + ")"
}

// Entry is one row of the controlled-substance ledger.
type Entry struct {
	ID            int64     `json:"id"`
	ClinicID      int64     `json:"clinic_id"`
	Kind          Kind      `json:"kind"`
	At            time.Time `json:"at"`
	LotID         int64     `json:"lot_id,omitempty"`
	PreparationID int64     `json:"preparation_id,omitempty"`
	SessionID     int64     `json:"session_id,omitempty"`
	PatientID     int64     `json:"patient_id,omitempty"`
	// LotML and LotMg are the signed change to the lot's stock; BagMg the
	// signed change to the bag.
	LotML     float64  `json:"lot_ml"`
	LotMg     float64  `json:"lot_mg"`
	BagMg     float64  `json:"bag_mg"`
	Vials     int      `json:"vials,omitempty"`
	Supplier  string   `json:"supplier,omitempty"`
	Reference string   `json:"reference,omitempty"`
	GivenMg   *float64 `json:"given_mg,omitempty"`
	BookML    *float64 `json:"book_ml,omitempty"`
	CountedML *float64 `json:"counted_ml,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	// CorrectsID is the entry a correction corrects.
	CorrectsID  int64     `json:"corrects_id,omitempty"`
	ByName      string    `json:"by_name"`
	WitnessName string    `json:"witness_name,omitempty"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// Preparation is a bag prepared for an infusion session, with its draws and
// what has become of it.
type Preparation struct {
	ID             int64               `json:"id"`
	ClinicID       int64               `json:"clinic_id"`
	PatientID      int64               `json:"patient_id"`
	SessionID      int64               `json:"session_id"`
	BagNumber      int                 `json:"bag_number"`
	Drug           infusion.Drug       `json:"drug"`
	MgAdded        float64             `json:"mg_added"`
	Diluent        string              `json:"diluent"`
	FinalVolumeML  float64             `json:"final_volume_ml"`
	Bag            units.Concentration `json:"bag"`
	PreparedByName string              `json:"prepared_by_name"`
	WitnessName    string              `json:"witness_name"`
	PreparedAt     time.Time           `json:"prepared_at"`
	Note           string              `json:"note,omitempty"`
	Draws          []Entry             `json:"draws"`
	// Later entries on the bag: wastes and corrections.
	Wastes      []Entry `json:"wastes"`
	Corrections []Entry `json:"corrections"`
}

// MgPerML is the bag's concentration.
func (p *Preparation) MgPerML() float64 { return p.MgAdded / p.FinalVolumeML }

// WastedMg is the mg wasted from the bag so far.
func (p *Preparation) WastedMg() float64 {
	var w float64
	for _, e := range p.Wastes {
		w -= e.BagMg
	}
	return w
}

// CorrectedMg is the signed sum of the corrections of the bag.
func (p *Preparation) CorrectedMg() float64 {
	var c float64
	for _, e := range p.Corrections {
		c += e.BagMg
	}
	return c
}

// Wasted reports whether the bag's end has been recorded.
func (p *Preparation) Wasted() bool { return len(p.Wastes) > 0 }

// Remaining is what the bag still holds given givenMg from the chart.
func (p *Preparation) Remaining(givenMg float64) float64 {
	return p.MgAdded - givenMg - p.WastedMg() + p.CorrectedMg()
}

// Matches reports whether the bag holds exactly the amount in the volume the
// pump was programmed with (b).
func (p *Preparation) Matches(b infusion.Bag) bool {
	return same(p.MgAdded, float64(b.AmountMg)) && same(p.FinalVolumeML, float64(b.VolumeML))
}

// Tolerance is the relative difference below which two quantities are the
// same: far below any amount a person can measure, above the rounding of
// binary floating point on decimal input (mL × mg/mL products).
const Tolerance = 1e-9

func same(a, b float64) bool {
	return math.Abs(a-b) <= Tolerance*math.Max(math.Abs(a), math.Abs(b))
}

// Credentials are a witness's own login and password, typed on the form to
// prove they are present.
type Credentials struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// Witness is a user whose credentials were checked.
type Witness struct {
	UserID   int64
	ClinicID int64
	Name     string
	Login    string
	Role     clinic.Role
}

// CanHandle reports whether a may receive, count or dispose of stock of
// clinicID, prepare or waste a bag, or witness: the clinic's nurses and
// clinicians (not administrators, who read the record but do not hold the
// drug).
func CanHandle(a *clinic.Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	return a.System || (a.ClinicID == clinicID && (a.Role == clinic.RoleNurse || a.Role == clinic.RoleClinician))
}

// CanCorrect reports whether a may correct a ledger entry: the clinic's
// clinicians.
func CanCorrect(a *clinic.Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	return a.System || (a.ClinicID == clinicID && a.Role == clinic.RoleClinician)
}

// CanRead reports whether a may read the stock record of clinicID: its staff.
func CanRead(a *clinic.Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	return a.System || (a.ClinicID == clinicID && a.Role.IsStaff())
}

// CheckWitness refuses a witness who is the actor, who belongs to another
// clinic or who may not handle the drug.
func CheckWitness(a *clinic.Actor, w *Witness, clinicID int64) error {
	if w.UserID == a.UserID && !a.System {
		return clinic.Invalid("witness.login", "the witness must be a second person: %s cannot witness their own entry", w.Name)
	}
	if w.ClinicID != clinicID || (w.Role != clinic.RoleNurse && w.Role != clinic.RoleClinician) {
		return clinic.Invalid("witness.login", "%s cannot witness: a witness is another nurse or clinician of this clinic", w.Name)
	}
	return nil
}

// LotFilter selects lots of the actor's clinic.
type LotFilter struct {
	// InStock leaves out lots with nothing on hand.
	InStock bool
}

// LogFilter selects the ledger for the log report.
type LogFilter struct {
	From, To clinic.Date // inclusive; zero for open
	LotID    int64       // 0 for every lot
	// AfterID starts the log after that entry in log order (time, then
	// ID): the next page of a log read a page at a time; 0 from the start.
	AfterID int64
}

// LogRow is one line of the controlled-substance log: an entry with its lot
// and the lot's balance after it.
type LogRow struct {
	Entry
	Lot         *Lot    `json:"lot,omitempty"`
	BalanceML   float64 `json:"balance_ml"`
	BalanceMg   float64 `json:"balance_mg"`
	PatientMRN  string  `json:"patient_mrn,omitempty"`
	BagNumber   int     `json:"bag_number,omitempty"`
	CorrectedBy []int64 `json:"corrected_by,omitempty"`
}

// Service keeps the controlled-substance record. Every method checks the
// actor's rights; every change is one or more ledger rows appended in the
// same transaction as their audit entries. Errors naming a field are
// *clinic.Error with Code EINVALID; nothing is stored on error.
type Service interface {
	// ReceiveStock records vials received (a new lot, or more of a known
	// one with the same strength, vial size and expiry).
	ReceiveStock(ctx context.Context, in ReceiptInput) (*Lot, *Entry, error)
	// FindLots returns the clinic's lots with their stock on hand.
	FindLots(ctx context.Context, f LotFilter) ([]*Lot, error)
	// FindLotByID returns one lot with its stock on hand.
	FindLotByID(ctx context.Context, id int64) (*Lot, error)
	// PrepareBag records a bag prepared for a session from the draws,
	// witnessed. Refused: an expired lot, a lot of another drug, more than
	// a lot holds, mg added that the draws do not give, a bag that differs
	// from the pump's programme, a witness who is the preparer.
	PrepareBag(ctx context.Context, sessionID int64, in PreparationInput) (*Preparation, error)
	// FindPreparations returns the bags of a session, in order.
	FindPreparations(ctx context.Context, sessionID int64) ([]*Preparation, error)
	// WasteBag records the remainder of a bag wasted, witnessed: after the
	// session stopped or the bag was replaced. More than remains is refused.
	WasteBag(ctx context.Context, preparationID int64, in WasteInput) (*Entry, error)
	// AdjustStock records a count or a disposal on a lot, witnessed.
	AdjustStock(ctx context.Context, lotID int64, in AdjustInput) (*Entry, error)
	// Correct records a correction of an entry, with a reason, witnessed.
	Correct(ctx context.Context, entryID int64, in CorrectionInput) (*Entry, error)
	// Reconcile returns the clinic's lots, the page f of its bags still to
	// account for and their discrepancies as they stand at now, with the
	// clinic's totals of such bags.
	Reconcile(ctx context.Context, now time.Time, f ReconcileFilter) (*Reconciliation, error)
	// StockLog calls fn for each ledger row matching f, by lot and time.
	StockLog(ctx context.Context, f LogFilter, fn func(LogRow) error) error
}

// text trims s and checks its length.
func text(field, s string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		return "", clinic.Invalid(field, "is required")
	}
	if len([]rune(s)) > max {
		return "", clinic.Invalid(field, "has %d characters; at most %d are allowed", len([]rune(s)), max)
	}
	return s, nil
}
