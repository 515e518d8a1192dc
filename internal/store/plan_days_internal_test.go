package store

import (
	"reflect"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// TestPlanDayCache: the cache reads only the versions it lacks, returns
// what was read for each, and starts again empty rather than grow past
// planDayCacheMax.
func TestPlanDayCache(t *testing.T) {
	var c planDayCache
	var asked [][]int64
	read := func(ids []int64) (map[int64][]clinic.PlanDay, error) {
		asked = append(asked, ids)
		out := map[int64][]clinic.PlanDay{}
		for _, id := range ids {
			out[id] = []clinic.PlanDay{{Day: int(id), SessionMg: float64(id) * 10}}
		}
		return out, nil
	}
	got, err := c.get([]int64{1, 2}, read)
	if err != nil || len(got) != 2 || got[2][0].SessionMg != 20 {
		t.Fatalf("first get: %v %v", got, err)
	}
	if got, _ = c.get([]int64{2, 3}, read); got[3][0].Day != 3 || got[2][0].Day != 2 {
		t.Fatalf("second get: %v", got)
	}
	if want := [][]int64{{1, 2}, {3}}; !reflect.DeepEqual(asked, want) {
		t.Fatalf("read %v, want %v (only what the cache lacked)", asked, want)
	}
	many := make([]int64, planDayCacheMax)
	for i := range many {
		many[i] = int64(100 + i)
	}
	if _, err := c.get(many, read); err != nil {
		t.Fatal(err)
	}
	if len(c.days) > planDayCacheMax {
		t.Fatalf("the cache holds %d versions, more than %d", len(c.days), planDayCacheMax)
	}
	asked = nil
	if _, err := c.get([]int64{1}, read); err != nil || !reflect.DeepEqual(asked, [][]int64{{1}}) {
		t.Fatalf("after the cache started again, version 1 read %v (%v)", asked, err)
	}
}
