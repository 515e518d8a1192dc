package protocol

import (
	"math"
	"regexp"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/units"
)

// ShownDigits is the significant digits of Step.DoseShown, as the figures of
// "ketatrack plan" (its footer says so); the JSON keeps 12.
const ShownDigits = 6

// decimal is a number with a decimal point in a dose text.
var decimal = regexp.MustCompile(`[0-9]+\.[0-9]+`)

// ShowDose returns a dose text as Step.Dose writes it ("44.4444444444mg over
// 4h") with every decimal number rounded to sig significant digits, whole
// numbers kept in full ("44.4444mg over 4h" for 6), for reading only. The
// exact text stays in Step.Dose, which forms and computations use: the
// result is never parsed back.
func ShowDose(dose string, sig int) string {
	return decimal.ReplaceAllStringFunc(dose, func(num string) string {
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return num
		}
		return showNumber(v, sig)
	})
}

// showNumber prints v to sig significant digits, or more when its whole part
// has more digits (123456789.5 prints 123456790, never 123457000).
func showNumber(v float64, sig int) string {
	if a := math.Abs(v); a >= 1 {
		if whole := int(math.Floor(math.Log10(a))) + 1; whole > sig {
			sig = whole
		}
	}
	return units.FormatNumber(v, sig)
}
