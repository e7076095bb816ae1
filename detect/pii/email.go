package pii

// findEmails finds e-mail addresses: a local part of the RFC 5322
// dot-atom characters people use, '@', and a domain of at least two labels
// with an alphabetic top-level label.
func findEmails(text string, ms []Match) []Match {
	floor := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		s := i
		for s > floor && i-s < 64 && isLocal(text[s-1]) {
			s--
		}
		for s < i && text[s] == '.' {
			s++
		}
		if s == i {
			continue
		}
		e := i + 1
		lastDot := -1
		for e < len(text) && e-i <= 253 && (isAlnum(text[e]) || text[e] == '-' || (text[e] == '.' && e+1 < len(text) && isAlnum(text[e+1]))) {
			if text[e] == '.' {
				lastDot = e
			}
			e++
		}
		if lastDot < 0 || e-lastDot-1 < 2 || text[i+1] == '-' || text[i+1] == '.' {
			continue
		}
		tldOK := true
		for _, c := range []byte(text[lastDot+1 : e]) {
			if !isAlpha(c) {
				tldOK = false
				break
			}
		}
		if !tldOK || text[i-1] == '.' {
			continue
		}
		ms = append(ms, Match{Type: Email, Start: s, End: e, Confidence: 0.95})
		floor = e
		i = e - 1
	}
	return ms
}

func isLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}
