package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// RelapseKey is a row's place in the relapse list: the latest relapse
// first, then in FindPatients order (family name, given name, ID).
type RelapseKey struct {
	RelapseOn clinic.Date `json:"on"`
	clinic.PatientKey
}

// Key is s's place in the relapse list.
func (s *RelapseSummary) Key() RelapseKey {
	return RelapseKey{RelapseOn: s.RelapseOn, PatientKey: s.Patient.Key()}
}

// RelapsePage returns up to limit rows of the actor's clinic's relapse list
// (the summaries of its patients whose latest relief ended in relapse, in
// RelapseKey order) after the row at key after (nil: from the first), and
// the key of the page's last row when there are more (nil otherwise); limit
// 0 returns the whole list. A page is one range of
// patient_outcomes_relapses (clinic_id, relapsed, relapse_on) read
// backwards, never an OFFSET. The caller refreshes the stale rows first.
func (db *DB) RelapsePage(ctx context.Context, after *RelapseKey, limit int) ([]RelapseSummary, *RelapseKey, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return nil, nil, err
	}
	w := where{}
	w.add("o.clinic_id = " + w.arg(clinicID))
	w.add("o.relapsed = " + w.arg(true))
	if k := after; k != nil {
		on := w.arg(dateArg(k.RelapseOn))
		w.add("(o.relapse_on < " + on + " OR (o.relapse_on = " + on + " AND (p.family_name, p.given_name, p.id) > (" +
			w.arg(k.FamilyName) + ", " + w.arg(k.GivenName) + ", " + w.arg(k.ID) + ")))")
	}
	q := `SELECT ` + prefixed("p", patientColumns) + `, o.protocol, o.relief_days, o.relapse_on, o.booster_json
		FROM patient_outcomes o JOIN patients p ON p.id = o.patient_id` + w.sql() +
		` ORDER BY o.relapse_on DESC, p.family_name, p.given_name, p.id`
	if limit > 0 {
		// One row more than the page tells whether there is a next one.
		q += ` LIMIT ` + w.arg(limit+1)
	}
	var out []RelapseSummary
	err = db.eachRow(ctx, q, w.args, func(rows *sql.Rows) error {
		var r RelapseSummary
		var on sql.NullTime
		var booster sql.NullString
		p, err := scanPatient(withExtra(rows, &r.Protocol, &r.ReliefDays, &on, &booster))
		if err != nil {
			return err
		}
		r.Patient, r.RelapseOn = p, dateOf(on)
		if booster.Valid {
			r.Booster = []byte(booster.String)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("relapses: %w", err)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
		next := out[limit-1].Key()
		return out, &next, nil
	}
	return out, nil, nil
}

// CountRelapses is how many rows the actor's clinic's relapse list has (one
// index range count).
func (db *DB) CountRelapses(ctx context.Context) (int, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM patient_outcomes WHERE clinic_id = $1 AND relapsed = $2`, clinicID, true).Scan(&n); err != nil {
		return 0, fmt.Errorf("count relapses: %w", err)
	}
	return n, nil
}
