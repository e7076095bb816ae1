package pii

// Shared byte-level helpers. The recognisers work on bytes: every format
// they know is ASCII, and a non-ASCII byte simply ends a token.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// wordBefore reports whether the byte before i can end a word that touches
// a token starting at i (so the token is not a standalone value).
func joinedBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	c := text[i-1]
	return isAlnum(c) || c == '_' || c >= 0x80
}

// joinedAfter reports whether the byte at i continues a token ending there.
func joinedAfter(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	c := text[i]
	return isAlnum(c) || c == '_' || c >= 0x80
}

// hasContext reports whether one of words (lower-case ASCII) occurs in the
// window bytes of text before position i, case-insensitively.
func hasContext(text string, i, window int, words ...string) bool {
	lo := i - window
	if lo < 0 {
		lo = 0
	}
	w := text[lo:i]
	for _, word := range words {
		if indexFold(w, word) >= 0 {
			return true
		}
	}
	return false
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring the
// case of s, without allocating.
func indexFold(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) != needle[0] {
			continue
		}
		j := 1
		for j < n && lower(s[i+j]) == needle[j] {
			j++
		}
		if j == n {
			return i
		}
	}
	return -1
}
