// Package store keeps ketatrack's records in SQLite (modernc.org/sqlite, pure
// Go, the default) or PostgreSQL (pgx v5 through database/sql), with the same
// SQL for both. *DB implements the service interfaces of internal/clinic; every
// method takes the acting user from the context (clinic.ActorFrom), checks
// their rights with the functions of clinic/rights.go, and writes its audit
// entries in the same transaction as its change.
//
// # Files
//
//	engine.go    URLs, connection settings (SQLite pragmas and why), the dialect tokens
//	db.go        DB, Open, the write transaction Tx and Tx.audit, group commit, statement cache
//	query.go     where: WHERE clauses with numbered parameters
//	migrate.go   the migration runner; migrations/ holds the SQL
//	backup.go    Backup and Restore
//	clinic.go, user.go, auth.go, patient.go, audit.go   one file per record type
//	storetest/   fresh databases on both engines for tests anywhere
//
// # Adding a migration
//
// Add migrations/NNNN_name.sql with the next number (no gaps; both engines
// run the same set, which TestMigrationsSameVersionsOnBothEngines checks).
// Write portable SQL: TEXT, BIGINT, INTEGER, DOUBLE PRECISION, BOOLEAN, DATE,
// CHECK, UNIQUE, REFERENCES, CREATE INDEX. Two tokens cover the column types
// that differ (see dialectTokens in engine.go):
//
//	{{ID}}         an auto-assigned BIGINT primary key
//	{{TIMESTAMP}}  a point in time (TIMESTAMP on SQLite, TIMESTAMPTZ on PostgreSQL)
//
// Anything else engine-specific (triggers, functions, partial-index syntax)
// goes into NNNN_name.sqlite.sql and NNNN_name.postgres.sql, which run after
// the shared file in the same transaction. A migration runs once, in one
// transaction, recorded in schema_migrations; never edit one that has been
// committed — add the next.
//
// # Adding a store method
//
//  1. Declare it on the service interface in internal/clinic, with a comment
//     that says who may call it.
//
//  2. Implement it on *DB in the file of its record type. Query parameters are written
//     $1, $2, … on both engines (modernc.org/sqlite binds $N by position).
//     Reads use db.query and db.queryRow (prepared once and cached on
//     SQLite); a query assembled from a filter builds its WHERE clause with
//     the where type (query.go), never by pasting values into SQL; changes run in db.update, which gives a *Tx with the actor and
//     one timestamp (tx.now). Never commit or roll back a Tx yourself: return
//     an error to roll back.
//
//  3. Check rights first, with the actor from clinic.RequireActor(ctx): a read
//     the actor may not make returns ENOTFOUND (never reveal that a record
//     exists), a write returns EFORBIDDEN. Records that belong to a patient
//     use clinic.CanReadPatientRecord / CanWritePatientRecord with the
//     patient's clinic and ID.
//
//  4. Audit every create, update and delete of a clinical record inside the
//     same transaction, with the record before and after (example below). If
//     the audit insert fails, the change is rolled back with it.
//
//  5. Map errors once: notFound for sql.ErrNoRows, conflict for UNIQUE
//     violations, clinic.Invalid from Validate; wrap the rest with context.
//
//  6. Test it in the shared suite: a TestXxx in this package that calls
//     storetest.ForEach(t, func(t *testing.T, db *store.DB) { … }) runs on
//     SQLite and on PostgreSQL (each test in its own schema; with
//     KETATRACK_REQUIRE_POSTGRES=1 an unreachable PostgreSQL fails the test).
//     Include a rights case (another clinic, another patient).
//
// A change and its audit entry:
//
//	return db.update(ctx, func(tx *Tx) error {
//		// … INSERT/UPDATE through tx …
//		return tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, PatientID: p.ID,
//			Action: clinic.ActionUpdate, Entity: "patient", EntityID: p.ID}, before, after)
//	})
//
// # Concurrency and durability
//
// SQLite runs in WAL mode with synchronous=FULL: a write is on disk when its
// transaction commits, so an acknowledged write survives a crash or power
// loss (cmd/ketatrack's TestCrashKeepsAcknowledgedWrites kills a server with
// SIGKILL mid-stream). All writes share one connection: one goroutine runs
// the waiting write transactions, each in its own savepoint, and commits them
// together (group commit, one fsync for many writes). Keep write
// transactions short — hash passwords and compute before db.update — and
// never call db.update from inside a db.update function.
// PostgreSQL uses a pool of 16 connections; several ketatrack servers may
// share one database, since sessions and login throttling (per account: the
// audit log; per address: table login_attempts) live in it.
package store
