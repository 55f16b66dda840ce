// Package sqlstore implements Rapport's store contracts over database/sql,
// once, for every SQL database Rapport supports.
//
// The SQL here is portable: `?` placeholders (rebound for PostgreSQL),
// INSERT … ON CONFLICT, RETURNING, row values, times as integer
// microseconds, JSON as text. What genuinely differs between databases —
// placeholder syntax, row locking, how connections are opened and the DDL —
// lives in a Dialect and in the adapters (internal/sqlite,
// internal/postgres), which embed their own migrations. There are no
// per-database branches in the code that implements the contracts.
//
// Every operation on patient data checks the actor's permission, scopes its
// queries to the actor's organisation, and appends an audit entry (hash
// chained, see package audit) in the same transaction as the work, or, for
// reads, before any data is returned.
package sqlstore
