package secrets

import (
	"strings"
	"testing"
)

// benchText builds a realistic gateway payload of about n bytes: chat JSON,
// prose, code and configuration, with one secret per 2 KB when withSecret.
func benchText(n int, withSecret bool) []byte {
	g := newGen(42)
	chunk := `{"role": "user", "content": "Here is my deployment script, can you review it? The service reads ` +
		`its configuration from config.yaml: timeout: 30, retries: 3, endpoint: https://api.internal.example.org/v2/items?page=2. ` +
		`def handler(event, context):\n    items = fetch(event[\"id\"])\n    if len(items) == 0:\n        return {\"status\": 404}\n` +
		`    total = sum(i.price * i.qty for i in items)\n    return {\"status\": 200, \"total\": total}\n` +
		`Also the logs say: 2026-11-24T09:00:00Z INFO request_id=8f14e45f method=GET path=/v2/items status=200 ` +
		`duration_ms=41. The quick brown fox jumps over the lazy dog; max_tokens: 512, temperature: 0.2."}` + "\n"
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(chunk)
		if withSecret && b.Len()%2048 < len(chunk) {
			b.WriteString("token: " + g.checksummed(cat("gh", "p_")) + "\n")
		}
	}
	return []byte(b.String()[:n])
}

func benchFind(b *testing.B, n int, withSecret bool) {
	text := benchText(n, withSecret)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Find(text)
	}
}

func BenchmarkFind2KB(b *testing.B)            { benchFind(b, 2<<10, false) }
func BenchmarkFind20KB(b *testing.B)           { benchFind(b, 20<<10, false) }
func BenchmarkFind2KBWithSecret(b *testing.B)  { benchFind(b, 2<<10, true) }
func BenchmarkFind20KBWithSecret(b *testing.B) { benchFind(b, 20<<10, true) }
func BenchmarkFind1MB(b *testing.B)            { benchFind(b, 1<<20, false) }
