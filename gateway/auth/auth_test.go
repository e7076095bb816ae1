package auth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/store"
)

func exercise(t *testing.T, db *store.DB) {
	ctx := context.Background()
	k, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := k.Active(ctx); n != 0 {
		t.Fatalf("active = %d", n)
	}
	plain, rec, err := k.Create(ctx, "acme", Operator, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, Prefix+rec.ID+"_") || len(plain) < 60 {
		t.Fatalf("key %q", plain)
	}
	// Only the hash is stored.
	var stored string
	db.QueryRowContext(ctx, db.Rebind(`SELECT hash FROM gateway_keys WHERE id = ?`), rec.ID).Scan(&stored)
	if stored == "" || strings.Contains(plain, stored) || strings.Contains(stored, plain[len(Prefix)+13:]) {
		t.Fatalf("stored %q for key %q", stored, plain)
	}
	got, err := k.Authenticate(ctx, plain)
	if err != nil || got.Tenant != "acme" || got.Role != Operator {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	flip := "0"
	if plain[len(plain)-1] == '0' {
		flip = "1"
	}
	bad := []string{"", "bwk_", "bwk_short_x", plain + "x", plain[:len(plain)-1] + flip, strings.Replace(plain, rec.ID, "000000000000", 1), strings.Repeat("b", 500)}
	for _, b := range bad {
		if _, err := k.Authenticate(ctx, b); err == nil {
			t.Errorf("accepted %q", b)
		}
	}
	if _, _, err := k.Create(ctx, "", Client, ""); err == nil {
		t.Error("key without tenant accepted")
	}
	if _, _, err := k.Create(ctx, "t", Role("root"), ""); err == nil {
		t.Error("unknown role accepted")
	}
	if n, _ := k.Active(ctx); n != 1 {
		t.Fatalf("active = %d", n)
	}
	if err := k.Revoke(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Authenticate(ctx, plain); err != ErrInvalidKey {
		t.Fatalf("revoked key: %v", err)
	}
	if err := k.Revoke(ctx, "nope"); err == nil {
		t.Fatal("revoking an unknown key succeeded")
	}
	list, err := k.List(ctx)
	if err != nil || len(list) != 1 || !list[0].Revoked {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestKeysSQLite(t *testing.T) {
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exercise(t, db)
}

func TestKeysPostgres(t *testing.T) {
	dsn := os.Getenv("BULWARK_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("BULWARK_TEST_POSTGRES_DSN not set: no PostgreSQL to test against")
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("keys_test_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := store.Open(ctx, dsn+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exercise(t, db)
}

func TestRoles(t *testing.T) {
	tests := []struct {
		role  Role
		perms [4]bool // UseAPI, ReadEvents, ReloadPolicy, ManageKeys
	}{
		{Admin, [4]bool{true, true, true, true}},
		{Operator, [4]bool{true, true, true, false}},
		{Auditor, [4]bool{false, true, false, false}},
		{Client, [4]bool{true, false, false, false}},
		{Role("x"), [4]bool{}},
	}
	for _, tt := range tests {
		for p := UseAPI; p <= ManageKeys; p++ {
			if got := tt.role.Can(p); got != tt.perms[p] {
				t.Errorf("%s.Can(%d) = %v", tt.role, p, got)
			}
		}
	}
	if r, err := ParseRole(" Admin "); err != nil || r != Admin {
		t.Errorf("ParseRole: %v %v", r, err)
	}
}
