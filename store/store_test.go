package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		dialect Dialect
		in, out string
	}{
		{SQLite, "SELECT ? , ?", "SELECT ? , ?"},
		{Postgres, "SELECT ? , ?", "SELECT $1 , $2"},
		{Postgres, "SELECT '?', ?", "SELECT '?', $1"},
	}
	for _, tt := range tests {
		db := &DB{Dialect: tt.dialect}
		if got := db.Rebind(tt.in); got != tt.out {
			t.Errorf("%v Rebind(%q) = %q, want %q", tt.dialect, tt.in, got, tt.out)
		}
	}
}

func testMigrate(t *testing.T, db *DB) {
	ctx := context.Background()
	steps := []Migration{
		{SQL: `CREATE TABLE t_migrate_test (id INTEGER PRIMARY KEY, v TEXT)`},
		{SQL: `ALTER TABLE t_migrate_test ADD COLUMN w TEXT`},
	}
	if err := db.Migrate(ctx, "test", steps); err != nil {
		t.Fatal(err)
	}
	// Idempotent.
	if err := db.Migrate(ctx, "test", steps); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO t_migrate_test (id, v, w) VALUES (?, ?, ?)`), 1, "a", "b"); err != nil {
		t.Fatal(err)
	}
	var w string
	if err := db.QueryRowContext(ctx, db.Rebind(`SELECT w FROM t_migrate_test WHERE id = ?`), 1).Scan(&w); err != nil || w != "b" {
		t.Fatalf("got %q, %v", w, err)
	}
	bad := append(steps, Migration{SQL: `THIS IS NOT SQL`})
	if err := db.Migrate(ctx, "test", bad); err == nil {
		t.Fatal("bad migration accepted")
	}
}

func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "bulwark.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	testMigrate(t, db)
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
}

func TestPostgres(t *testing.T) {
	dsn := os.Getenv("BULWARK_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("BULWARK_TEST_POSTGRES_DSN not set; skipping PostgreSQL test")
	}
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Exec(`DROP TABLE IF EXISTS t_migrate_test`)
	db.Exec(`DELETE FROM bulwark_migrations WHERE component = 'test'`)
	testMigrate(t, db)
}

func TestOpenEmpty(t *testing.T) {
	if _, err := Open(context.Background(), ""); err != ErrNoDSN {
		t.Fatalf("got %v", err)
	}
}
