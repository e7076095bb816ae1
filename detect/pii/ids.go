package pii

// Identifiers that mix letters and digits: IBAN, UK NINO, Spanish DNI/NIE.

// findIBANs finds IBANs printed compact ("DE89370400440532013000") or in
// groups of four ("DE89 3704 0044 0532 0130 00").
func findIBANs(text string, ms []Match) []Match {
	var buf [34]byte
	for i := 0; i+4 <= len(text); i++ {
		if !isUpper(text[i]) || !isUpper(text[i+1]) || !isDigit(text[i+2]) || !isDigit(text[i+3]) || joinedBefore(text, i) {
			continue
		}
		want, ok := ibanLength[text[i:i+2]]
		if !ok {
			continue
		}
		b := buf[:0]
		j := i
		for j < len(text) && len(b) < want {
			c := text[j]
			switch {
			case isAlnum(c):
				if isLower(c) {
					c -= 'a' - 'A'
				}
				b = append(b, c)
				j++
			case c == ' ' && j+1 < len(text) && isAlnum(text[j+1]) && (len(b)%4 == 0):
				j++
			default:
				goto check
			}
		}
	check:
		if len(b) == want && !joinedAfter(text, j) {
			if ibanValid(b) {
				ms = append(ms, Match{Type: IBAN, Start: i, End: j, Confidence: 0.95})
			} else {
				// IBAN-shaped but failing mod-97: claim the span so that its
				// digit groups are not read as cards or phones.
				ms = append(ms, Match{Type: blocked, Start: i, End: j, Confidence: 1})
			}
			i = j - 1
		}
	}
	return ms
}

// findIDs finds UK National Insurance numbers ("AB 12 34 56 C") and
// Spanish DNI/NIE numbers ("12345678Z", "X1234567L").
func findIDs(text string, ms []Match) []Match {
	var buf [9]byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		if joinedBefore(text, i) {
			continue
		}
		switch {
		case isUpper(c) && i+1 < len(text) && isUpper(text[i+1]):
			// NINO: letters, then 6 digits in pairs optionally spaced, then A-D.
			b := append(buf[:0], c, text[i+1])
			j := i + 2
			for k := 0; k < 4 && j < len(text) && len(b) < 9; k++ {
				if text[j] == ' ' {
					j++
				}
				if k < 3 {
					if j+2 <= len(text) && isDigit(text[j]) && isDigit(text[j+1]) {
						b = append(b, text[j], text[j+1])
						j += 2
						continue
					}
					break
				}
				if j < len(text) {
					b = append(b, text[j])
					j++
				}
			}
			if len(b) == 9 && !joinedAfter(text, j) && ninoValid(b) {
				ms = append(ms, Match{Type: NINO, Start: i, End: j, Confidence: 0.85})
				i = j - 1
			}
		case isDigit(c) || c == 'X' || c == 'Y' || c == 'Z':
			if i+9 > len(text) || joinedAfter(text, i+9) {
				continue
			}
			b := append(buf[:0], text[i:i+9]...)
			if isUpper(b[8]) && dniValid(b) {
				ms = append(ms, Match{Type: DNI, Start: i, End: i + 9, Confidence: 0.9})
				i += 8
			}
		}
	}
	return ms
}
