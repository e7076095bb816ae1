package toxic

import (
	"unicode"
	"unicode/utf8"
)

// Token is one word of a text with its byte span in the text.
type Token struct {
	// Text is the word with letters repeated three or more times in a row
	// cut to two ("cooool" -> "cool", "ass" stays): the learned models' view.
	Text string
	// Key is the word with every repeated letter kept once ("kiiill" ->
	// "kil", "kill" -> "kil"): the lexicon's view, immune to stretching.
	Key        string
	Start, End int
}

// Tokenize splits folded text into lower-case word tokens. Words are runs
// of letters and digits; an apostrophe inside a word is dropped ("don't"
// -> "dont").
func Tokenize(s string) []Token {
	toks := make([]Token, 0, len(s)/5+1)
	var tb, kb [64]byte
	t, k := tb[:0], kb[:0]
	start := -1
	var last rune = -1
	run := 0
	flush := func(end int) {
		if start >= 0 && len(t) > 0 {
			// Most words are already lower-case and unstretched: share the
			// input's bytes instead of allocating.
			var text string
			if src := s[start:end]; src == string(t) {
				text = src
			} else {
				text = string(t)
			}
			key := text
			if len(k) != len(t) {
				key = string(k)
			}
			toks = append(toks, Token{Text: text, Key: key, Start: start, End: end})
		}
		t, k, start, last, run = t[:0], k[:0], -1, -1, 0
	}
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		word := false
		if r < utf8.RuneSelf {
			// ASCII fast path.
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				word = true
			case r >= 'A' && r <= 'Z':
				r += 'a' - 'A'
				word = true
			}
		} else {
			r, n = utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				r = unicode.ToLower(r)
				word = true
			}
		}
		switch {
		case word:
			if start < 0 {
				start = i
			}
			if r == last {
				run++
			} else {
				run = 1
			}
			if run <= 2 && len(t) < 60 {
				t = utf8.AppendRune(t, r)
			}
			if run == 1 && len(k) < 60 {
				k = utf8.AppendRune(k, r)
			}
			last = r
		case (r == '\'' || r == '’') && start >= 0 && i+n < len(s) && isWordStart(s[i+n:]):
			// inside a word: skip
		default:
			flush(i)
		}
		i += n
	}
	flush(len(s))
	return toks
}

func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// Squeeze returns w with letters repeated in a row kept once, as
// Token.Key has them, so that lexicon entries and text compare equal.
func Squeeze(w string) string {
	out := make([]rune, 0, len(w))
	var last rune = -1
	for _, r := range w {
		if r != last {
			out = append(out, r)
		}
		last = r
	}
	return string(out)
}
