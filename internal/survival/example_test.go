package survival_test

import (
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/survival"
)

func ExampleKaplanMeier() {
	periods, err := survival.ReadReliefCSV(strings.NewReader(`patient_id,start,end,relapsed
H1,2024-05-01,2024-05-11,1
H2,2024-05-01,2024-05-21,1
H3,2024-05-01,2024-05-31,0
H4,2024-05-01,2024-06-10,1
`))
	if err != nil {
		panic(err)
	}
	c := survival.KaplanMeier(survival.Observations(periods))
	for _, p := range c.Points {
		fmt.Printf("day %g: at risk %d, events %d, S = %.3f\n", p.Day, p.AtRisk, p.Events, p.Survival)
	}
	fmt.Printf("median %g days\n", *c.MedianDays)
	// Output:
	// day 10: at risk 4, events 1, S = 0.750
	// day 20: at risk 3, events 1, S = 0.500
	// day 30: at risk 2, events 0, S = 0.500
	// day 40: at risk 1, events 1, S = 0.000
	// median 30 days
}
