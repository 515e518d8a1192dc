// Package infusion charts one ketamine infusion session as an append-only
// sequence of events and derives everything else from them.
//
// A session starts from an Order (the signed plan for this day: drug, care
// area, bag, rate steps). The nurse then records events: check-in (weight,
// baseline vitals, premedication), the pump programme with its barcode-like
// double check, start, pause, resume, rate change, stop, vitals every
// 15 minutes, side effects, medication, acknowledgements of alerts, and the
// discharge assessment. Record validates one event against the events before
// it, asks the dose engine about every rate, evaluates the alert rules and
// appends the event together with any alert it raised; the events already on
// the chart are never altered. Replay rebuilds the same State from stored
// events, and State.Summary(now) computes, with no clock of its own, the
// cumulative dose (exact integration of piecewise-constant rates), the
// infused and remaining volume, the current rate, elapsed time, when vitals
// are next due, overdue reminders and open alerts. Discharge scores the
// modified Aldrete score and the modified PADSS from the last charted values
// and the nurse's assessment.
//
// Every threshold carries its source beside it (rules.go, vitals.go,
// discharge.go). The package imports neither net/http nor a database driver;
// its types are plain structs with JSON tags so that a store can keep the
// Order as one row and each Event as one row.
package infusion
