package detect

import (
	"strings"
	"unicode/utf8"
)

// Invisible format characters inside a value ("jane\u200b@example.com")
// would hide it from the recognisers. stripInvisible removes them and
// returns, for each byte offset of the result (and its length), the offset
// in s, so that spans found in the result map back to s. It returns s and
// nil when s has none.

// isInvisible reports the characters removed: zero-width space, joiners
// and non-joiner, word joiner, invisible operators, BOM, soft hyphen,
// bidi controls, and the Unicode tag block.
func isInvisible(r rune) bool {
	switch {
	case r == 0x00AD, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x2064,
		r >= 0x2066 && r <= 0x2069, r == 0xFEFF, r >= 0xE0000 && r <= 0xE007F:
		return true
	}
	return false
}

func stripInvisible(s string) (string, []int) {
	first := -1
	for i, r := range s {
		if r >= 0x80 && isInvisible(r) {
			first = i
			break
		}
	}
	if first < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	m := make([]int, 0, len(s)+1)
	for i := 0; i < first; i++ {
		m = append(m, i)
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= 0x80 && isInvisible(r) {
			i += n
			continue
		}
		for k := 0; k < n; k++ {
			m = append(m, i+k)
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	m = append(m, len(s))
	return b.String(), m
}

// mapSpan maps [start, end) of a stripped text back to the original; with a
// nil map the offsets are unchanged. The end maps to just after the last
// visible byte, so a value's trailing invisible characters stay outside.
func mapSpan(m []int, start, end int) (int, int) {
	if m == nil {
		return start, end
	}
	s := m[start]
	if end == start {
		return s, s
	}
	return s, m[end-1] + 1
}
