// Package audit owns the gateway's audit log: one Event per exchange
// (request and answer), stored in the Bulwark database (SQLite or
// PostgreSQL, table gateway_events), written in batches by a Writer whose
// bounded queue applies back-pressure and acknowledges each record only
// once its transaction has committed, queried with filters and paging,
// and pruned by retention.
package audit
