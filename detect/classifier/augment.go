package classifier

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Obfuscation names one of the rewrites [Obfuscate] applies.
type Obfuscation int

// The obfuscations attackers use to slip past keyword filters; the
// normaliser undoes most of them, and training on their residue teaches the
// model the rest.
const (
	Leetspeak  Obfuscation = iota // letters to digits and symbols inside words
	Homoglyphs                    // Latin letters to Cyrillic and Greek lookalikes
	ZeroWidth                     // zero-width characters inside words
	RandomCase                    // random upper/lower case
	Spacing                       // letters of a word separated by spaces or dots
	numObfuscations
)

var leetTable = map[rune]string{'a': "4", 'e': "3", 'i': "1", 'o': "0", 's': "5", 't': "7", 'l': "1", 'g': "9", 'b': "8"}

var glyphTable = map[rune]rune{
	'a': 'а', 'c': 'с', 'e': 'е', 'o': 'о', 'p': 'р', 'x': 'х', 'y': 'у', 'i': 'і',
	'A': 'Α', 'B': 'Β', 'E': 'Ε', 'H': 'Η', 'K': 'Κ', 'M': 'Μ', 'O': 'Ο', 'T': 'Τ',
}

var zeroWidth = []rune{'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'}

// Obfuscate rewrites a fraction of the words of raw with one obfuscation,
// drawing choices from r. It is used to augment training data; the result
// still reads the same to a human.
func Obfuscate(raw string, kind Obfuscation, r *rand.Rand) string {
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/2)
	inWord := false
	touch := false
	var sep byte
	for i, c := range raw {
		word := unicode.IsLetter(c)
		if word && !inWord {
			touch = r.IntN(3) == 0 // about a third of the words
			sep = " ."[r.IntN(2)]
		}
		inWord = word
		if !word || !touch {
			b.WriteRune(c)
			continue
		}
		switch kind {
		case Leetspeak:
			if s, ok := leetTable[unicode.ToLower(c)]; ok && r.IntN(2) == 0 {
				b.WriteString(s)
			} else {
				b.WriteRune(c)
			}
		case Homoglyphs:
			if g, ok := glyphTable[c]; ok {
				b.WriteRune(g)
			} else {
				b.WriteRune(c)
			}
		case ZeroWidth:
			b.WriteRune(c)
			if next, _ := utf8.DecodeRuneInString(raw[i+utf8.RuneLen(c):]); unicode.IsLetter(next) && r.IntN(2) == 0 {
				b.WriteRune(zeroWidth[r.IntN(len(zeroWidth))])
			}
		case RandomCase:
			if r.IntN(2) == 0 {
				b.WriteRune(unicode.ToUpper(c))
			} else {
				b.WriteRune(unicode.ToLower(c))
			}
		case Spacing:
			b.WriteRune(c)
			if next, _ := utf8.DecodeRuneInString(raw[i+utf8.RuneLen(c):]); unicode.IsLetter(next) {
				b.WriteByte(sep)
			}
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// RandomObfuscation draws one obfuscation kind.
func RandomObfuscation(r *rand.Rand) Obfuscation { return Obfuscation(r.IntN(int(numObfuscations))) }
