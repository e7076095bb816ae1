package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect is the SQL dialect of an open database.
type Dialect int

// The dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// String names the dialect.
func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open Bulwark database.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// ErrNoDSN is returned by Open for an empty DSN.
var ErrNoDSN = errors.New("store: empty DSN")

// Open opens the database named by dsn:
//   - "postgres://…" or "postgresql://…": PostgreSQL through pgx;
//   - "sqlite:PATH", "file:PATH" or a plain path: SQLite at PATH (created,
//     with its parent folder), in WAL mode with a busy timeout;
//   - ":memory:": a private in-memory SQLite database.
func Open(ctx context.Context, dsn string) (*DB, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, ErrNoDSN
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: connect postgres: %w", err)
		}
		return &DB{DB: db, Dialect: Postgres}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	var conn string
	if path == ":memory:" {
		conn = "file::memory:?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create data directory: %w", err)
			}
		}
		conn = "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	}
	db, err := sql.Open("sqlite", conn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if path == ":memory:" {
		// Every connection to :memory: is its own database; keep one.
		db.SetMaxOpenConns(1)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite}, nil
}

// Rebind rewrites '?' placeholders to '$1, $2, …' for PostgreSQL. Queries
// are written with '?' and passed through Rebind. A '?' inside a quoted
// string literal is left alone.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Migration is one schema step. SQL runs when Postgres is empty or the
// dialect is SQLite; Postgres, when set, replaces SQL on PostgreSQL.
type Migration struct {
	SQL      string
	Postgres string
}

// migrateLockKey is the PostgreSQL advisory lock that serialises
// migrations across processes (several gateways starting at once, test
// packages sharing one database).
const migrateLockKey = 0x42756c77 // "Bulw"

// Migrate applies the steps of component that have not run yet, in order,
// each in its own transaction, recording them in bulwark_migrations.
// Steps are append-only: never edit or reorder a released step. On
// PostgreSQL concurrent callers are serialised by an advisory lock.
func (db *DB) Migrate(ctx context.Context, component string, steps []Migration) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", component, err)
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
			return fmt.Errorf("store: migrate %s: lock: %w", component, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bulwark_migrations (
		component TEXT NOT NULL,
		version INTEGER NOT NULL,
		PRIMARY KEY (component, version))`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	var applied int
	row := conn.QueryRowContext(ctx, db.Rebind(`SELECT COALESCE(MAX(version), 0) FROM bulwark_migrations WHERE component = ?`), component)
	if err := row.Scan(&applied); err != nil {
		return fmt.Errorf("store: read migrations of %s: %w", component, err)
	}
	for i := applied; i < len(steps); i++ {
		q := steps[i].SQL
		if db.Dialect == Postgres && steps[i].Postgres != "" {
			q = steps[i].Postgres
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", component, err)
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s to version %d: %w", component, i+1, err)
		}
		if _, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO bulwark_migrations (component, version) VALUES (?, ?)`), component, i+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: record migration %s %d: %w", component, i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migrate %s to version %d: %w", component, i+1, err)
		}
	}
	return nil
}
