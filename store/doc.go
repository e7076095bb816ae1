// Package store owns Bulwark's database: embedded SQLite by default (WAL,
// one file under the data directory) and PostgreSQL when a DSN is given. It
// opens the database, runs each component's migrations and rewrites query
// placeholders for the dialect. Components (the gateway's audit log, the
// red-team results) keep their own tables and migrations in their own files.
package store
