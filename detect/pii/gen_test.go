package pii

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"

	"golang.org/x/crypto/sha3"
)

// A generator of labelled texts for measuring the recognisers: valid
// values of every type embedded in sentences, and near misses (bad check
// digits, numbers that only look like values) that must not match.

type genValue struct {
	typ   Type   // "" for a near miss that must not be reported
	value string // the value as printed
}

type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) digits(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return b
}

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// luhnDigit returns the check digit that makes body+digit pass Luhn.
func luhnDigit(body []byte) byte {
	for c := byte('0'); c <= '9'; c++ {
		if luhn(append(append([]byte{}, body...), c)) {
			return c
		}
	}
	return '0'
}

func groupDigits(s string, sizes []int, sep string) string {
	var parts []string
	for _, n := range sizes {
		if n > len(s) {
			n = len(s)
		}
		parts = append(parts, s[:n])
		s = s[n:]
	}
	if s != "" {
		parts = append(parts, s)
	}
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func (g *gen) card(valid bool) string {
	prefixes := []struct {
		p string
		n int
	}{{"4", 16}, {"51", 16}, {"55", 16}, {"2221", 16}, {"34", 15}, {"37", 15}, {"6011", 16}, {"3530", 16}, {"4", 13}}
	pr := prefixes[g.r.IntN(len(prefixes))]
	body := append([]byte(pr.p), g.digits(pr.n-1-len(pr.p))...)
	c := luhnDigit(body)
	if !valid {
		c = '0' + (c-'0'+1+byte(g.r.IntN(8)))%10
	}
	num := string(append(body, c))
	switch g.r.IntN(3) {
	case 0:
		return num
	case 1:
		if pr.n == 15 {
			return groupDigits(num, []int{4, 6, 5}, " ")
		}
		return groupDigits(num, []int{4, 4, 4, 4}, " ")
	}
	if pr.n == 15 {
		return groupDigits(num, []int{4, 6, 5}, "-")
	}
	return groupDigits(num, []int{4, 4, 4, 4}, "-")
}

func (g *gen) iban(valid bool) string {
	cc := g.pick("DE", "GB", "FR", "ES", "NL", "IT", "BE", "CH", "PL", "SE")
	n := ibanLength[cc]
	var bban []byte
	if cc == "GB" || cc == "NL" {
		bban = append([]byte(g.pick("WEST", "NWBK", "ABNA", "RABO")), g.digits(n-8)...)
	} else {
		bban = g.digits(n - 4)
	}
	// Compute the check digits: 98 - mod97(BBAN + CC + "00").
	s := append(append(append([]byte{}, bban...), cc...), '0', '0')
	rem := 0
	for _, c := range s {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	chk := 98 - rem
	if !valid {
		chk = (chk+1+g.r.IntN(90))%97 + 2
		if chk == 98-rem {
			chk = (chk % 97) + 1
		}
	}
	iban := fmt.Sprintf("%s%02d%s", cc, chk, bban)
	if g.r.IntN(2) == 0 {
		return groupDigits(iban, []int{4, 4, 4, 4, 4, 4, 4, 4}, " ")
	}
	return iban
}

func (g *gen) ssn(valid bool) string {
	area := 1 + g.r.IntN(899)
	if area == 666 {
		area = 665
	}
	grp, ser := 1+g.r.IntN(99), 1+g.r.IntN(9999)
	if !valid {
		switch g.r.IntN(4) {
		case 0:
			area = 0
		case 1:
			area = 666
		case 2:
			area = 900 + g.r.IntN(100)
		default:
			grp = 0
		}
	}
	return fmt.Sprintf("%03d-%02d-%04d", area, grp, ser)
}

func verhoeffDigit(body []byte) byte {
	for c := byte('0'); c <= '9'; c++ {
		if verhoeff(append(append([]byte{}, body...), c)) {
			return c
		}
	}
	return '0'
}

func (g *gen) aadhaar(valid bool) string {
	body := append([]byte{byte('2' + g.r.IntN(8))}, g.digits(10)...)
	c := verhoeffDigit(body)
	if !valid {
		c = '0' + (c-'0'+1+byte(g.r.IntN(8)))%10
	}
	return groupDigits(string(append(body, c)), []int{4, 4, 4}, " ")
}

func (g *gen) cpf(valid bool) string {
	d := g.digits(9)
	for c1 := byte('0'); c1 <= '9'; c1++ {
		for c2 := byte('0'); c2 <= '9'; c2++ {
			full := append(append([]byte{}, d...), c1, c2)
			if cpfValid(full) == valid {
				s := string(full)
				return s[:3] + "." + s[3:6] + "." + s[6:9] + "-" + s[9:]
			}
		}
	}
	return ""
}

func (g *gen) dni(valid bool) string {
	n := g.r.IntN(100000000)
	l := dniLetters[n%23]
	if !valid {
		l = dniLetters[(n+1+g.r.IntN(21))%23]
	}
	return fmt.Sprintf("%08d%c", n, l)
}

func (g *gen) nino(valid bool) string {
	first, second := "ABCEGHJKLMNPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
	p := string([]byte{first[g.r.IntN(len(first))], second[g.r.IntN(len(second))]})
	switch p {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		p = "AB"
	}
	suf := string("ABCD"[g.r.IntN(4)])
	if !valid {
		if g.r.IntN(2) == 0 {
			p = "D" + p[1:]
		} else {
			suf = "E"
		}
	}
	d := string(g.digits(6))
	if g.r.IntN(2) == 0 {
		return p + " " + d[:2] + " " + d[2:4] + " " + d[4:] + " " + suf
	}
	return p + d + suf
}

func (g *gen) phone() string {
	if g.r.IntN(12) == 0 {
		return "0044 20 " + string(g.digits(4)) + " " + string(g.digits(4)) // 00 international prefix
	}
	d := func(n int) string { return string(g.digits(n)) }
	nz := func() string { return string(byte('2' + g.r.IntN(8))) }
	switch g.r.IntN(12) {
	case 0:
		return "(" + nz() + d(2) + ") " + nz() + d(2) + "-" + d(4) // US
	case 1:
		return nz() + d(2) + "-" + nz() + d(2) + "-" + d(4) // US
	case 2:
		return "+1 " + nz() + d(2) + " " + nz() + d(2) + " " + d(4)
	case 3:
		return "+44 20 " + d(4) + " " + d(4) // UK London
	case 4:
		return "07" + d(3) + " " + d(6) // UK mobile
	case 5:
		return "+49 30 " + d(7) // DE
	case 6:
		return "0" + nz() + d(2) + " " + d(7) // DE national
	case 7:
		return "0" + nz() + " " + d(2) + " " + d(2) + " " + d(2) + " " + d(2) // FR
	case 8:
		return "+33 6 " + d(2) + " " + d(2) + " " + d(2) + " " + d(2)
	case 9:
		return "+91 " + string(byte('6'+g.r.IntN(4))) + d(4) + " " + d(5) // IN
	case 10:
		return "(" + nz() + d(1) + ") 9" + d(4) + "-" + d(4) // BR
	}
	return "0" + nz() + "0-" + d(4) + "-" + d(4) // JP mobile
}

func (g *gen) email() string {
	user := g.pick("john", "a.smith", "maria_garcia", "li.wei+news", "k-9", "ops")
	dom := g.pick("example.com", "mail.example.org", "uni.ac.uk", "firma.de", "x.io")
	if g.r.IntN(5) == 0 { // obfuscated
		return fmt.Sprintf("%s%d %s %s", user, g.r.IntN(100), g.pick("[at]", "(at)", "{AT}"), strings.ReplaceAll(dom, ".", g.pick(" [dot] ", "(dot)", ".")))
	}
	return fmt.Sprintf("%s%d@%s", user, g.r.IntN(100), dom)
}

func (g *gen) ipv4() string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) ipv6() string {
	if g.r.IntN(2) == 0 {
		return fmt.Sprintf("2001:db8:%x:%x::%x", g.r.IntN(65536), g.r.IntN(65536), 1+g.r.IntN(65535))
	}
	return fmt.Sprintf("fe80:%x:%x:%x:%x:%x:%x:%x", g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), 1+g.r.IntN(65535))
}

func base58Encode(b []byte) string {
	var out []byte
	num := append([]byte{}, b...)
	for len(num) > 0 {
		rem := 0
		var q []byte
		for _, c := range num {
			acc := rem*256 + int(c)
			if d := acc / 58; d > 0 || len(q) > 0 {
				q = append(q, byte(d))
			}
			rem = acc % 58
		}
		out = append(out, base58Alphabet[rem])
		num = q
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func (g *gen) btcLegacy(valid bool) string {
	payload := make([]byte, 21)
	if g.r.IntN(2) == 1 {
		payload[0] = 5
	}
	for i := 1; i < 21; i++ {
		payload[i] = byte(g.r.IntN(256))
	}
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	full := append(payload, h2[:4]...)
	if !valid {
		full[24] ^= 1
	}
	return base58Encode(full)
}

func bech32Polymod(vals []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range vals {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (b>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func (g *gen) btcBech32(valid bool) string {
	data := []byte{0}
	for i := 0; i < 32; i++ { // 20-byte program = 32 five-bit groups
		data = append(data, byte(g.r.IntN(32)))
	}
	vals := append([]byte{'b' >> 5, 'c' >> 5, 0, 'b' & 31, 'c' & 31}, data...)
	vals = append(vals, 0, 0, 0, 0, 0, 0)
	pm := bech32Polymod(vals) ^ 1
	for i := 0; i < 6; i++ {
		data = append(data, byte(pm>>(5*(5-i)))&31)
	}
	if !valid {
		data[len(data)-1] ^= 1
	}
	s := []byte("bc1")
	for _, v := range data {
		s = append(s, bech32Charset[v])
	}
	return string(s)
}

func (g *gen) eth(valid bool) string {
	raw := make([]byte, 20)
	for i := range raw {
		raw[i] = byte(g.r.IntN(256))
	}
	h := hex.EncodeToString(raw)
	if g.r.IntN(2) == 0 && valid {
		return "0x" + h
	}
	k := sha3.NewLegacyKeccak256()
	k.Write([]byte(h))
	hh := hex.EncodeToString(k.Sum(nil))
	b := []byte(h)
	for i := range b {
		if b[i] >= 'a' && hh[i] >= '8' {
			b[i] -= 'a' - 'A'
		}
	}
	if !valid {
		for i := range b {
			if isAlpha(b[i]) {
				b[i] ^= 0x20 // toggle case
				break
			}
		}
		if !(strings.ContainsAny(string(b), "abcdef") && strings.ContainsAny(string(b), "ABCDEF")) {
			return "0x" + h[:39] + "g"
		}
	}
	return "0x" + string(b)
}

// sentence embeds v in one of a few carrier sentences.
func (g *gen) sentence(label, v string) string {
	switch g.r.IntN(5) {
	case 0:
		return fmt.Sprintf("Please update my %s to %s, thanks.", label, v)
	case 1:
		return fmt.Sprintf("%s: %s", label, v)
	case 2:
		return fmt.Sprintf("The %s on file is %s and it was verified yesterday.", label, v)
	case 3:
		return fmt.Sprintf("(%s) %s\n", v, "see attachment")
	}
	return fmt.Sprintf("Hi team, here it is %s - let me know.", v)
}

// nearMiss returns a text with numbers that are not personal data.
func (g *gen) nearMiss() string {
	switch g.r.IntN(16) {
	case 10:
		return fmt.Sprintf("Request id %08x-%04x-%04x-%04x-%012x failed.", g.r.Uint32(), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), g.r.Uint64()&0xffffffffffff)
	case 11:
		return fmt.Sprintf("ISBN 978-%d-%02d-%06d-%d is out of print.", g.r.IntN(10), g.r.IntN(100), g.r.IntN(1000000), g.r.IntN(10))
	case 12:
		return fmt.Sprintf("We met at %d.%04d, -%d.%04d near the lake.", g.r.IntN(90), g.r.IntN(10000), g.r.IntN(180), g.r.IntN(10000))
	case 13:
		return fmt.Sprintf("Commit %040x fixed it at %d.", g.r.Uint64(), 1600000000000+g.r.Int64N(100000000000))
	case 14:
		return fmt.Sprintf("Windows build %d.%d.%d.%d shipped with %d.%d.%d.", 10, 0, 19000+g.r.IntN(3000), g.r.IntN(2000), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10))
	case 15:
		return fmt.Sprintf("Call me maybe: the score was %d-%d and the room is %d.", g.r.IntN(10), g.r.IntN(10), 100+g.r.IntN(900))
	case 9:
		return fmt.Sprintf("Tracking id %s arrived.", g.digits(12+g.r.IntN(7)))
	case 0:
		return fmt.Sprintf("In %d we sold %d units.", 1990+g.r.IntN(35), g.r.IntN(100000))
	case 1:
		return fmt.Sprintf("Total: $%d,%03d.%02d", 1+g.r.IntN(999), g.r.IntN(1000), g.r.IntN(100))
	case 2:
		return fmt.Sprintf("Order #%d shipped on %d-%02d-%02d.", 100000+g.r.IntN(900000), 2000+g.r.IntN(25), 1+g.r.IntN(12), 1+g.r.IntN(28))
	case 3:
		return fmt.Sprintf("Upgrade to version %d.%d.%d today.", g.r.IntN(10), g.r.IntN(30), g.r.IntN(100))
	case 4:
		return fmt.Sprintf("Meeting on %02d/%02d/%d at %d:%02d.", 1+g.r.IntN(28), 1+g.r.IntN(12), 2000+g.r.IntN(25), g.r.IntN(24), g.r.IntN(60))
	case 5:
		return fmt.Sprintf("Ticket %d-%d was closed.", g.r.IntN(1000), g.r.IntN(100000))
	case 6:
		return fmt.Sprintf("Invoice number %d is due.", 1000000+g.r.IntN(9000000))
	case 7:
		return fmt.Sprintf("The ratio was %d.%d and pi is 3.14159.", g.r.IntN(100), g.r.IntN(1000))
	}
	return fmt.Sprintf("See std::vector and file v%d.%d.%d.tar.gz.", g.r.IntN(5), g.r.IntN(20), g.r.IntN(20))
}

// sample produces one labelled text: a value (valid or invalid) in a
// sentence, or a near miss.
func (g *gen) sample() (string, genValue) {
	valid := g.r.IntN(4) != 0
	var v genValue
	switch k := g.r.IntN(17); k {
	case 0:
		v = genValue{Card, g.card(valid)}
	case 1:
		v = genValue{IBAN, g.iban(valid)}
	case 2:
		v = genValue{SSN, g.ssn(valid)}
	case 3:
		v = genValue{Aadhaar, g.aadhaar(valid)}
	case 4:
		v = genValue{CPF, g.cpf(valid)}
	case 5:
		v = genValue{DNI, g.dni(valid)}
	case 6:
		v = genValue{NINO, g.nino(valid)}
	case 7:
		v, valid = genValue{Phone, g.phone()}, true
	case 8:
		v, valid = genValue{Email, g.email()}, true
	case 9:
		v, valid = genValue{IPv4, g.ipv4()}, true
	case 10:
		v, valid = genValue{IPv6, g.ipv6()}, true
	case 11:
		v = genValue{BTC, g.btcLegacy(valid)}
	case 12:
		v = genValue{BTC, g.btcBech32(valid)}
	case 13:
		v = genValue{ETH, g.eth(valid)}
	default:
		return g.nearMiss(), genValue{}
	}
	if !valid {
		v.typ = ""
	}
	labels := map[Type]string{Card: "card", IBAN: "account", SSN: "number", Aadhaar: "id", CPF: "id",
		DNI: "document", NINO: "reference", Phone: "number", Email: "contact", IPv4: "host", IPv6: "host",
		BTC: "wallet", ETH: "wallet"}
	label := labels[v.typ]
	if label == "" {
		label = "reference"
	}
	return g.sentence(label, v.value), v
}
