// Package stock is the controlled-substance record of a clinic: ketamine
// received by lot, drawn into bags prepared for infusion sessions, given
// (the chart's cumulative dose), wasted, disposed of and counted, and the
// reconciliation an inspector asks for. It holds the types, the parsing of
// what a user types (quantities with units, named fields on error), the
// rights and the arithmetic; internal/store keeps the records.
//
// Every quantity is in the ledger (Entry): a lot's stock is the sum of its
// entries' LotML (received − drawn − disposed ± corrections), a bag's
// balance is drawn − given − wasted ± corrections, and a mistake is
// corrected by a new entry that names the one it corrects, with a reason.
// Nothing is ever changed or removed.
//
// Who may do what (checked in the store for every call):
//
//	receive, count, dispose    the clinic's nurses and clinicians (they hold the drug cupboard)
//	prepare a bag, waste it    nurses and clinicians who may chart the session
//	witness                    another active nurse or clinician of the same clinic,
//	                           present: they type their own login and password
//	correct an entry           clinicians, witnessed
//	read the log, reconcile    all staff (administrators included: they answer inspections)
//
// A witness's password is checked with the login's argon2id hashing and
// counts towards the same per-account failure limit as a login.
package stock
