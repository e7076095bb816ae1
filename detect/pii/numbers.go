package pii

// Numbers: phone numbers, payment cards, US SSNs, Aadhaar numbers, CPFs and
// IPv4 addresses all are runs of digit groups with separators. findNumbers
// reads each run once into groups and then classifies sub-runs, longest
// first, so that "call 555-123-4567 2 times" yields the phone number and
// not a 11-digit mess.

// group is one run of digits, with its decoration.
type group struct {
	start, end int  // the group's bytes in text, decoration included
	ds, de     int  // its digits
	plus       bool // led by '+'
	paren      bool // wrapped in parentheses
	sep        byte // separator before it: ' ', '-', '.', '/', or 0 for the first
	spaced     bool // the separator before it holds a space
}

const (
	maxGroups     = 8  // groups in one candidate
	maxNumDigits  = 19 // digits in one candidate
	contextWindow = 40 // bytes searched for a context word before a value
)

var (
	phoneWords   = []string{"phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "contact", "sms", "text me", "handy", "telefon", "téléphone", "portable", "celular", "número"}
	ssnWords     = []string{"ssn", "social security", "soc sec", "tax id", "tin"}
	aadhaarWords = []string{"aadhaar", "aadhar", "uidai", "uid"}
	cpfWords     = []string{"cpf"}
)

func findNumbers(text string, ms []Match) []Match {
	var gs [64]group
	for i := 0; i < len(text); {
		c := text[i]
		startable := isDigit(c) ||
			(c == '+' && i+1 < len(text) && (isDigit(text[i+1]) || text[i+1] == '(')) ||
			(c == '(' && i+1 < len(text) && isDigit(text[i+1]))
		if !startable || joinedBefore(text, i) || (i > 0 && (text[i-1] == '.' || text[i-1] == '-' || text[i-1] == '/' || text[i-1] == '+' || text[i-1] == '@' || text[i-1] == '$' || text[i-1] == ',')) {
			if isAlnum(c) {
				for i < len(text) && isAlnum(text[i]) {
					i++
				}
			} else {
				i++
			}
			continue
		}
		n, end := readGroups(text, i, gs[:])
		if n == 0 {
			i++
			continue
		}
		if !joinedAfter(text, end) {
			ms = classifyRun(text, gs[:n], ms)
		}
		i = end
		for i < len(text) && isAlnum(text[i]) {
			i++
		}
	}
	return ms
}

// readGroups reads the digit groups starting at i into gs and returns how
// many it read and where the run ends.
func readGroups(text string, i int, gs []group) (int, int) {
	n := 0
	var sep byte
	spaced := false
	end := i
	for n < len(gs) {
		g := group{start: i, sep: sep, spaced: spaced}
		j := i
		if j < len(text) && text[j] == '+' && n == 0 {
			g.plus = true
			j++
		}
		if j < len(text) && text[j] == '(' {
			g.paren = true
			j++
		}
		g.ds = j
		for j < len(text) && isDigit(text[j]) && j-g.ds <= maxNumDigits {
			j++
		}
		g.de = j
		if g.de == g.ds {
			break
		}
		if g.paren {
			if j < len(text) && text[j] == ')' {
				j++
			} else {
				break
			}
		}
		g.end = j
		gs[n] = g
		n++
		end = j
		// A separator: up to three bytes of spaces and at most one of - . /
		k := j
		sep, spaced = 0, false
		for k < len(text) && k-j < 3 {
			switch text[k] {
			case ' ':
				spaced = true
			case '-', '.', '/':
				if sep != 0 {
					k = len(text) + 1
					continue
				}
				sep = text[k]
			default:
				goto done
			}
			k++
		}
	done:
		if k > len(text) || k == j {
			break
		}
		if sep == 0 {
			sep = ' '
		}
		if k >= len(text) || !(isDigit(text[k]) || text[k] == '(') {
			break
		}
		i = k
	}
	return n, end
}

// classifyRun finds the values in one run of groups.
func classifyRun(text string, gs []group, ms []Match) []Match {
	if cardShaped(gs) {
		// A card-shaped run is judged whole: when it fails Luhn its groups
		// are not phone numbers or ids either.
		if m, ok := classify(text, gs); ok {
			ms = append(ms, m)
		}
		return ms
	}
	for a := 0; a < len(gs); {
		if a > 0 && !gs[a].spaced {
			a++
			continue
		}
		found := false
		hi := a + maxGroups
		if hi > len(gs) {
			hi = len(gs)
		}
		for b := hi - 1; b >= a; b-- {
			if b+1 < len(gs) && !gs[b+1].spaced {
				continue
			}
			if m, ok := classify(text, gs[a:b+1]); ok {
				ms = append(ms, m)
				a = b + 1
				found = true
				break
			}
		}
		if !found {
			a++
		}
	}
	return ms
}

// classify decides what one candidate (a sub-run of groups) is, if anything.
func classify(text string, gs []group) (Match, bool) {
	var buf [maxNumDigits + 1]byte
	d := buf[:0]
	lens := [maxGroups]int{}
	sameSep := true
	for k, g := range gs {
		if len(d)+g.de-g.ds > maxNumDigits {
			return Match{}, false
		}
		d = append(d, text[g.ds:g.de]...)
		lens[k] = g.de - g.ds
		if k > 1 && g.sep != gs[1].sep {
			sameSep = false
		}
		if k > 1 && g.paren {
			return Match{}, false
		}
	}
	ng := len(gs)
	if ng == 1 && gs[0].paren {
		// A value in parentheses: judge what is inside.
		g := gs[0]
		g.paren, g.start, g.end = false, g.ds, g.de
		if g.plus {
			return Match{}, false
		}
		return classify(text, []group{g})
	}
	start, end := gs[0].start, gs[ng-1].end
	m := Match{Start: start, End: end}
	plus, paren := gs[0].plus, gs[0].paren
	var sep byte
	if ng > 1 {
		sep = gs[1].sep
	}
	shape := func(want ...int) bool {
		if len(want) != ng {
			return false
		}
		for k, w := range want {
			if lens[k] != w {
				return false
			}
		}
		return true
	}
	ctx := func(words []string) bool { return hasContext(text, start, contextWindow, words...) }
	nd := len(d)

	if !plus && !paren {
		// US SSN.
		if nd == 9 && ssnValid(d) {
			if shape(3, 2, 4) && sameSep && (sep == '-' || sep == ' ') {
				m.Type, m.Confidence = SSN, 0.9
				if sep == ' ' {
					m.Confidence = 0.75
				}
				return m, true
			}
			if ng == 1 && ctx(ssnWords) {
				m.Type, m.Confidence = SSN, 0.8
				return m, true
			}
		}
		// Brazilian CPF: 123.456.789-09.
		if nd == 11 && cpfValid(d) {
			if shape(3, 3, 3, 2) && gs[1].sep == '.' && gs[2].sep == '.' && gs[3].sep == '-' {
				m.Type, m.Confidence = CPF, 0.95
				return m, true
			}
			if ng == 1 && ctx(cpfWords) {
				m.Type, m.Confidence = CPF, 0.85
				return m, true
			}
		}
		// Payment card.
		if nd >= 13 && (ng == 1 || (sameSep && (sep == ' ' || sep == '-'))) && luhn(d) && cardIIN(d) {
			m.Type, m.Confidence = Card, 0.95
			if ng == 1 {
				m.Confidence = 0.85
			}
			return m, true
		}
		// Aadhaar: 1234 5678 9012.
		if nd == 12 && aadhaarValid(d) {
			if shape(4, 4, 4) && sameSep && (sep == ' ' || sep == '-') {
				m.Type, m.Confidence = Aadhaar, 0.85
				if ctx(aadhaarWords) {
					m.Confidence = 0.95
				}
				return m, true
			}
			if ng == 1 && ctx(aadhaarWords) {
				m.Type, m.Confidence = Aadhaar, 0.85
				return m, true
			}
		}
		// IPv4.
		if ng == 4 && sameSep && sep == '.' {
			if ipv4Groups(text, gs) {
				m.Type, m.Confidence = IPv4, 0.8
				if d[0] == '0' || (lens[0] == 3 && string(d[:3]) == "127") || (lens[0] == 1 && lens[1] == 1 && lens[2] == 1 && lens[3] == 1) {
					m.Confidence = 0.5
				}
				if hasContext(text, start, 16, "version", "v.", "release", "build") {
					m.Confidence = 0.3
				}
				return m, true
			}
			return Match{}, false
		}
	}
	hasDot := false
	for _, g := range gs[1:] {
		if g.sep == '.' {
			hasDot = true
		}
	}
	if hasDot && !plus {
		// Dotted numbers are IPs, versions, ids or amounts far more often
		// than phones, except in French grouping (01.23.45.67.89) and US
		// 555.234.5678.
		if !(sameSep && ((nd == 10 && d[0] == '0' && shape(2, 2, 2, 2, 2)) || (nd == 10 && usShape(d, lens[:ng], paren)))) {
			return Match{}, false
		}
	}
	if isDateShape(lens[:ng], sep, d) || (!plus && !paren && shape(3, 2, 4) && sep == '-') {
		// Dates, and SSN-shaped numbers that failed the SSN rules, are
		// not phone numbers.
		return Match{}, false
	}
	// Phone numbers.
	switch {
	case plus:
		if nd >= 8 && nd <= 15 && callingCode(d) {
			m.Type, m.Confidence = Phone, 0.9
			if ng == 1 && nd < 10 {
				m.Confidence = 0.7
			}
			return m, true
		}
	case !paren && ng >= 2 && nd >= 10 && nd <= 17 && d[0] == '0' && d[1] == '0' && callingCode(d[2:]):
		// International prefix 00 instead of '+': 0044 20 7946 0958, 00 49 30 1234567.
		m.Type, m.Confidence = Phone, 0.8
		return m, true
	case nd == 10 && usShape(d, lens[:ng], paren):
		m.Type, m.Confidence = Phone, 0.85
		return m, true
	case nd == 11 && d[0] == '1' && ng >= 3 && lens[0] == 1 && usShape(d[1:], lens[1:ng], gs[1].paren):
		m.Type, m.Confidence = Phone, 0.85
		return m, true
	case paren && lens[0] == 2 && ng >= 2 && (nd == 10 || nd == 11) && d[0] != '0':
		// Brazil: (11) 91234-5678.
		m.Type, m.Confidence = Phone, 0.8
		return m, true
	case d[0] == '0' && nd >= 9 && nd <= 12 && ng >= 2 && d[1] != '0':
		// Trunk-prefixed national numbers: UK, DE, FR, JP, IN, ...
		m.Type, m.Confidence = Phone, 0.75
		if ctx(phoneWords) {
			m.Confidence = 0.9
		}
		return m, true
	case nd == 10 && ng == 2 && lens[0] == 5 && d[0] >= '6' && d[0] <= '9':
		// India mobile: 98765 43210.
		m.Type, m.Confidence = Phone, 0.7
		return m, true
	case ng == 1 && nd >= 10 && nd <= 12 && ctx(phoneWords):
		m.Type, m.Confidence = Phone, 0.6
		return m, true
	}
	return Match{}, false
}

// cardShaped reports whether a run is grouped like a payment card:
// 4-4-4-4, 4-4-4-4-3, 4-4-4-1 or 4-6-5 with one separator.
func cardShaped(gs []group) bool {
	var lens [8]int
	if len(gs) > len(lens) {
		return false
	}
	for k, g := range gs {
		if g.paren || g.plus || (k > 1 && g.sep != gs[1].sep) {
			return false
		}
		lens[k] = g.de - g.ds
	}
	for _, shape := range [][]int{{4, 4, 4, 4}, {4, 4, 4, 4, 3}, {4, 6, 5}, {4, 4, 4, 1}, {4, 4, 4, 4, 2}} {
		if len(shape) == len(gs) && equalInts(shape, lens[:len(gs)]) {
			return true
		}
	}
	return false
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// usShape: NXX NXX XXXX (N = 2-9) in three groups, area code optionally
// in parentheses.
func usShape(d []byte, lens []int, paren bool) bool {
	if len(lens) != 3 || lens[0] != 3 || lens[1] != 3 || lens[2] != 4 {
		return false
	}
	_ = paren
	return d[0] >= '2' && d[3] >= '2'
}

// isDateShape reports whether the groups look like a date (2024-01-31,
// 31/12/2024, 12.31.24) rather than a number.
func isDateShape(lens []int, sep byte, d []byte) bool {
	if len(lens) != 3 || (sep != '-' && sep != '/' && sep != '.') {
		return false
	}
	return (lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2) || (lens[0] <= 2 && lens[1] <= 2 && (lens[2] == 4 || lens[2] == 2))
}

// ipv4Groups: four groups of 1-3 digits, each 0-255, no leading zeros.
func ipv4Groups(text string, gs []group) bool {
	for _, g := range gs {
		n := g.de - g.ds
		if n < 1 || n > 3 || g.paren || g.plus || (n > 1 && text[g.ds] == '0') {
			return false
		}
		v := 0
		for _, c := range []byte(text[g.ds:g.de]) {
			v = v*10 + int(c-'0')
		}
		if v > 255 {
			return false
		}
	}
	return true
}

// callingCode reports whether d starts with an assigned ITU-T E.164
// country calling code (ITU-T E.164 Annex, 2023 list, by prefix).
func callingCode(d []byte) bool {
	if len(d) < 3 || d[0] == '0' {
		return false
	}
	if d[0] == '1' || d[0] == '7' {
		return true
	}
	two := int(d[0]-'0')*10 + int(d[1]-'0')
	switch two {
	case 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
		51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86,
		90, 91, 92, 93, 94, 95, 98:
		return true
	case 21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 80, 85, 87, 88, 96, 97, 99:
		return true // three-digit codes under these prefixes
	}
	return false
}
