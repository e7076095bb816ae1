package pii

import "sort"

// Type names a kind of personal data.
type Type string

// The types Find reports.
const (
	Email   Type = "email"
	Phone   Type = "phone"
	Card    Type = "card"
	IBAN    Type = "iban"
	SSN     Type = "us_ssn"
	NINO    Type = "uk_nino"
	DNI     Type = "es_dni"
	Aadhaar Type = "in_aadhaar"
	CPF     Type = "br_cpf"
	IPv4    Type = "ipv4"
	IPv6    Type = "ipv6"
	Address Type = "address"
	DOB     Type = "dob"
	BTC     Type = "btc_address"
	ETH     Type = "eth_address"

	// blocked marks text that has the shape of a value but fails its
	// check; it wins overlaps and is then dropped, so that the pieces of
	// an invalid IBAN are not reported as something else.
	blocked Type = ""
)

// Types returns every type Find reports, most sensitive first.
func Types() []Type {
	return []Type{SSN, Aadhaar, Card, NINO, DNI, CPF, IBAN, DOB, Address, Phone, Email, BTC, ETH, IPv6, IPv4}
}

// sensitivity is how much harm one leaked value of a type does, in [0,1].
var sensitivity = map[Type]float64{
	SSN: 1, NINO: 0.95, DNI: 0.95, Aadhaar: 1, CPF: 0.95,
	Card: 1, IBAN: 0.9, DOB: 0.75, Address: 0.75,
	BTC: 0.6, ETH: 0.6, Phone: 0.7, Email: 0.6, IPv6: 0.4, IPv4: 0.4,
}

// Sensitivity returns how harmful a leaked value of type t is, in [0,1].
func Sensitivity(t Type) float64 { return sensitivity[t] }

// Placeholder returns the upper-case tag redaction uses for t, e.g. "EMAIL".
func Placeholder(t Type) string {
	switch t {
	case Email:
		return "EMAIL"
	case Phone:
		return "PHONE"
	case Card:
		return "CARD"
	case IBAN:
		return "IBAN"
	case SSN:
		return "SSN"
	case NINO:
		return "NINO"
	case DNI:
		return "DNI"
	case Aadhaar:
		return "AADHAAR"
	case CPF:
		return "CPF"
	case IPv4, IPv6:
		return "IP"
	case Address:
		return "ADDRESS"
	case DOB:
		return "DOB"
	case BTC, ETH:
		return "WALLET"
	}
	return "PII"
}

// Match is one piece of personal data found in a text.
type Match struct {
	// Type is what was found.
	Type Type
	// Start and End are byte offsets into the text (End exclusive).
	Start, End int
	// Confidence in [0,1] that the span really is personal data of Type.
	Confidence float64
}

// MaxInput is the most bytes Find examines; text beyond it is ignored so
// that hostile input cannot cost more than a bounded, linear amount of work.
const MaxInput = 4 << 20

// Find returns the personal data in text, ordered by Start, without
// overlaps (where two recognisers claim overlapping text, the more confident
// and then the longer match wins). Find never panics on any input and runs
// in time linear in len(text).
func Find(text string) []Match {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	var ms []Match
	ms = findEmails(text, ms)
	ms = findObfuscatedEmails(text, ms)
	ms = findNumbers(text, ms)
	ms = findIBANs(text, ms)
	ms = findIDs(text, ms)
	ms = findIPv6(text, ms)
	ms = findWallets(text, ms)
	ms = findContextual(text, ms)
	ms = resolve(ms)
	out := ms[:0]
	for _, m := range ms {
		if m.Type != blocked {
			out = append(out, m)
		}
	}
	return out
}

// resolve sorts ms by Start and, where matches overlap, keeps the better
// one: the more confident, then the longer.
func resolve(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End > ms[j].End
	})
	kept := ms[:1]
	for _, m := range ms[1:] {
		last := &kept[len(kept)-1]
		if m.Start >= last.End {
			kept = append(kept, m)
			continue
		}
		if m.Confidence > last.Confidence || (m.Confidence == last.Confidence && m.End-m.Start > last.End-last.Start) {
			*last = m
		}
	}
	return kept
}
