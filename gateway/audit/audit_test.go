package audit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/store"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openSQLite(t *testing.T) *Store {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// openPostgres uses BULWARK_TEST_POSTGRES_DSN, in a fresh schema per test.
func openPostgres(t *testing.T) *Store {
	t.Helper()
	dsn := os.Getenv("BULWARK_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("BULWARK_TEST_POSTGRES_DSN not set: no PostgreSQL to test against")
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("audit_test_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); admin.Close() })
	sep := "?"
	if containsQ(dsn) {
		sep = "&"
	}
	db, err := store.Open(ctx, dsn+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func containsQ(s string) bool {
	for _, c := range s {
		if c == '?' {
			return true
		}
	}
	return false
}

func exerciseStore(t *testing.T, st *Store) {
	ctx := context.Background()
	w := NewWriter(st, 16, 8, discard())
	base := time.Now().Add(-time.Hour).UTC()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ev := &Event{ID: fmt.Sprintf("ev%03d", i), Time: base.Add(time.Duration(i) * time.Second), Tenant: []string{"a", "b"}[i%2],
				Path: "/v1/chat/completions", Model: "m", Action: []string{"allow", "block"}[i%2], Status: 200,
				Categories: []string{"pii", "prompt_injection"}[:1+i%2], InputScores: map[string]float64{"pii": 0.5},
				DetectMicros: 10, InputText: "hello"}
			errs <- w.Write(ctx, ev)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if err := w.Write(ctx, &Event{ID: "late", Action: "allow"}); err != ErrClosed {
		t.Fatalf("write after close: %v", err)
	}
	if n, _ := st.Count(ctx); n != 100 {
		t.Fatalf("count = %d, want 100", n)
	}
	written, failed := w.Stats()
	if written != 100 || failed != 1 {
		t.Fatalf("stats = %d written, %d failed", written, failed)
	}
	// Paging visits every event once, newest first.
	seen := map[string]bool{}
	var last time.Time
	cursor := ""
	for {
		p, err := st.Query(ctx, Filter{Limit: 30, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			if seen[e.ID] || (!last.IsZero() && e.Time.After(last)) {
				t.Fatalf("paging order broken at %s", e.ID)
			}
			seen[e.ID], last = true, e.Time
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if len(seen) != 100 {
		t.Fatalf("paged %d events", len(seen))
	}
	tests := []struct {
		f    Filter
		want int
	}{
		{Filter{Tenant: "a"}, 50},
		{Filter{Action: "block", Tenant: "b"}, 50},
		{Filter{Category: "prompt_injection"}, 50},
		{Filter{Category: "pii"}, 100},
		{Filter{Category: "%"}, 0},
		{Filter{Since: base.Add(90 * time.Second)}, 10},
		{Filter{Until: base.Add(10 * time.Second)}, 10},
	}
	for _, tt := range tests {
		tt.f.Limit = 1000
		p, err := st.Query(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) != tt.want {
			t.Errorf("%+v: %d events, want %d", tt.f, len(p.Events), tt.want)
		}
	}
	p, _ := st.Query(ctx, Filter{Limit: 1})
	e := p.Events[0]
	if e.ID != "ev099" || e.InputScores["pii"] != 0.5 || len(e.Categories) != 2 || e.InputText != "hello" {
		t.Fatalf("round trip: %+v", e)
	}
	if _, err := st.Query(ctx, Filter{Cursor: "nonsense"}); err != ErrBadCursor {
		t.Fatalf("bad cursor: %v", err)
	}
	n, err := st.DeleteBefore(ctx, base.Add(50*time.Second))
	if err != nil || n != 50 {
		t.Fatalf("retention deleted %d: %v", n, err)
	}
}

func TestStoreSQLite(t *testing.T)   { exerciseStore(t, openSQLite(t)) }
func TestStorePostgres(t *testing.T) { exerciseStore(t, openPostgres(t)) }

// TestBackPressure: with the database locked by a writer outside the
// gateway, a full queue makes Write wait, and a caller that gives up gets
// an error instead of a silent drop; once the lock goes, queued records land.
func TestBackPressure(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_events (id, ts, action) VALUES ('lock', 0, 'allow')`); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(st, 2, 1, discard())
	var wg sync.WaitGroup
	results := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results <- w.Write(ctx, &Event{ID: fmt.Sprintf("q%d", i), Time: time.Now(), Action: "allow"})
		}(i)
	}
	time.Sleep(200 * time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = w.Write(short, &Event{ID: "impatient", Time: time.Now(), Action: "allow"})
	cancel()
	if err == nil {
		t.Fatal("a write into a full queue returned at once without error")
	}
	tx.Rollback()
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Fatalf("queued write failed: %v", err)
		}
	}
	w.Close()
	if n, _ := st.Count(ctx); n < 4 {
		t.Fatalf("%d records stored, want the 4 queued ones", n)
	}
}

func TestQueueMode(t *testing.T) {
	st := openSQLite(t)
	w := NewWriterMode(st, 1000, 50, Queue, discard())
	for i := 0; i < 200; i++ {
		if err := w.Write(context.Background(), &Event{ID: fmt.Sprintf("e%d", i), Time: time.Now(), Action: "allow"}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close() // drains the queue
	if n, _ := st.Count(context.Background()); n != 200 {
		t.Fatalf("%d stored after Close, want 200", n)
	}
}
