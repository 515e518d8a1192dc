package web

import (
	"context"
	"net/http"
)

// writePatientList answers a GET of one patient's records (the patient ID
// in the path) with the JSON object {key: list}, list being what find
// returns for that patient.
func writePatientList[T any](w http.ResponseWriter, r *http.Request, key string, find func(ctx context.Context, patientID int64) (T, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	list, err := find(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{key: list})
	return nil
}
