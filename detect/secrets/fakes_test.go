package secrets

import (
	"encoding/base64"
	"hash/crc32"
	"math/rand/v2"
	"strings"
)

// The fake keys below are assembled at run time from split literals and
// seeded random bodies, so that this source file carries no key-shaped
// string for secret scanners to flag. None of them is a real credential.

const (
	setAlnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	setURLSafe = setAlnum + "_-"
	setB32     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	setHex     = "0123456789abcdef"
	setUpper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	setB64     = setAlnum + "+/"
)

// gen draws deterministic random strings.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) s(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return b
}

func cat(parts ...string) string { return strings.Join(parts, "") }

func base62Encode(v uint32) string {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := []byte("000000")
	for i := 5; i >= 0 && v > 0; i-- {
		out[i] = alpha[v%62]
		v /= 62
	}
	return string(out)
}

// checksummed returns prefix + 30 random characters + their CRC32 in base62.
func (g *gen) checksummed(prefix string) string {
	body := g.s(setAlnum, 30)
	return prefix + body + base62Encode(crc32.ChecksumIEEE([]byte(body)))
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func (g *gen) pemKey(label string) string {
	raw := base64.StdEncoding.EncodeToString(g.bytes(300))
	var b strings.Builder
	b.WriteString(cat("-----BEGIN ", label, " PRIV", "ATE KEY-----\n"))
	for len(raw) > 64 {
		b.WriteString(raw[:64] + "\n")
		raw = raw[64:]
	}
	b.WriteString(raw + "\n" + cat("-----END ", label, " PRIV", "ATE KEY-----"))
	return b.String()
}
