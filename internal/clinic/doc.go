// Package clinic holds the domain of a ketamine infusion clinic that every
// other part of ketatrack shares: clinics, users and their roles, patients,
// sessions, the audit trail, the Error type with its codes, and the service
// interfaces that internal/store implements and internal/web calls.
//
// Rights live beside the types (rights.go): a patient reaches only their own
// records, staff only their own clinic's. The store checks them on every read
// and write with the Actor carried in the context (actor.go), so the web pages,
// the JSON API and the command line cannot forget to.
//
// This package imports neither net/http nor a database driver.
package clinic
