package web

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// A course without a plan version has nothing to predict: a 409 saying
// so, never a 500 (no course the store makes lacks one, so this is tested
// on the function the handler calls).
func TestPredictCourseWithoutPlan(t *testing.T) {
	s := &Server{}
	r := httptest.NewRequest("GET", "/api/v1/courses/7/prediction", nil)
	_, err := s.predictCourse(context.Background(), r, &clinic.Course{ID: 7}, nil, nil)
	if clinic.ErrorCode(err) != clinic.ECONFLICT || ErrorStatus(err) != 409 {
		t.Fatalf("course without a plan: %v (code %s), want a 409", err, clinic.ErrorCode(err))
	}
	v := &clinic.PlanVersion{Version: 1, Plan: &clinic.Plan{Drug: "racemic", WeightKg: 70}}
	_, err = s.predictCourse(context.Background(), r, &clinic.Course{ID: 7, Versions: []*clinic.PlanVersion{v}}, v, nil)
	if clinic.ErrorCode(err) != clinic.ECONFLICT {
		t.Fatalf("plan without doses: %v, want a 409", err)
	}
}
