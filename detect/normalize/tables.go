package normalize

// The tables in this file are facts, not code: which characters are
// invisible, which look like Latin letters, which ASCII symbols stand for
// letters in leetspeak.
//
// Confusables: the Cyrillic, Greek, Armenian, Cherokee and Latin-extension
// entries below are the lookalikes of the 26 basic Latin letters listed in
// Unicode's confusables.txt (Unicode Technical Standard #39, "Unicode
// Security Mechanisms", https://www.unicode.org/Public/security/latest/confusables.txt),
// restricted to letters that render as a Latin letter in common fonts.
// Fullwidth forms and the Mathematical Alphanumeric Symbols block are not
// listed: NFKC already maps them to plain letters (or to Greek letters that
// this table then folds).

// scriptConfusables maps letters of other scripts that look like a Latin
// letter. They are folded only inside tokens that also hold Latin letters
// or that are made only of lookalikes, so that ordinary Russian or Greek
// text is left alone.
var scriptConfusables = map[rune]rune{
	// Cyrillic capitals.
	'А': 'a', 'В': 'b', 'С': 'c', 'Е': 'e', 'Н': 'h', 'І': 'i', 'Ј': 'j', 'К': 'k',
	'М': 'm', 'О': 'o', 'Р': 'p', 'Ѕ': 's', 'Т': 't', 'Х': 'x', 'У': 'y', 'Ү': 'y',
	'Ԁ': 'd', 'Ԍ': 'g', 'Һ': 'h', 'Ԛ': 'q', 'Ԝ': 'w', 'Ӏ': 'l', 'Ѵ': 'v',
	// Cyrillic small letters.
	'а': 'a', 'с': 'c', 'е': 'e', 'о': 'o', 'р': 'p', 'х': 'x', 'у': 'y', 'і': 'i',
	'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ү': 'y',
	'ѵ': 'v',
	// Greek capitals.
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Η': 'h', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm',
	'Ν': 'n', 'Ζ': 'z', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
	// Greek small letters (γ, η, τ, ε are close lookalikes rather than
	// confusables.txt entries; they matter only inside mixed-script tokens).
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'υ': 'u', 'χ': 'x',
	'ϲ': 'c', 'ϳ': 'j', 'ϱ': 'p', 'ς': 's', 'γ': 'y', 'η': 'n', 'τ': 't', 'ε': 'e',
	// Armenian.
	'օ': 'o', 'ս': 'u', 'ց': 'g', 'հ': 'h', 'ո': 'n', 'զ': 'q', 'Տ': 's', 'Օ': 'o',
	// Cherokee capitals that render as Latin capitals.
	'Ꭺ': 'a', 'Ᏼ': 'b', 'Ꮯ': 'c', 'Ꭼ': 'e', 'Ꮐ': 'g', 'Ꮋ': 'h', 'Ꭻ': 'j', 'Ꮶ': 'k',
	'Ꮮ': 'l', 'Ꮇ': 'm', 'Ꮲ': 'p', 'Ꮪ': 's', 'Ꭲ': 't', 'Ꮩ': 'v', 'Ꮃ': 'w', 'Ꮓ': 'z',
}

// latinConfusables maps Latin-script lookalikes (small capitals, dotless i,
// IPA letters, regional indicator symbols) to basic Latin. They are always
// folded: they are Latin already.
var latinConfusables = map[rune]rune{
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɒ': 'a', 'ɩ': 'i', 'ɪ': 'i', 'ʟ': 'l', 'ɴ': 'n',
	'ʀ': 'r', 'ʏ': 'y', 'ʙ': 'b', 'ɢ': 'g', 'ʜ': 'h', 'ʍ': 'w', 'ɔ': 'c', 'ɛ': 'e',
	'ᴀ': 'a', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ᴊ': 'j', 'ᴋ': 'k', 'ᴍ': 'm', 'ᴏ': 'o',
	'ᴘ': 'p', 'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z', 'ꜱ': 's', 'ꞯ': 'q',
	'ɡ': 'g', 'ſ': 's', 'ƅ': 'b', 'ƍ': 'g', 'ꝺ': 'd', 'ꞵ': 'b',
}

// regional indicator symbols U+1F1E6..U+1F1FF render as boxed A..Z.
const (
	regionalA = 0x1F1E6
	regionalZ = 0x1F1FF
)

// latinAccents maps U+00C0..U+024F to the lower-case ASCII base letter of
// its canonical decomposition ('.' when it has none). Generated from
// golang.org/x/text/unicode/norm NFD data.
const latinAccents = "aaaaaa.ceeeeiiii.nooooo..uuuuy..aaaaaa.ceeeeiiii.nooooo..uuuuy.yaaaaaaccccccccdd..eeeeeeeeeegggggggghh..iiiiiiiii...jjkk.llllll....nnnnnn...oooooo..rrrrrrsssssssstttt..uuuuuuuuuuuuwwyyyzzzzzz.................................oo.............uu............................aaiioouuuuuuuuuu.aaaa....ggkkoooo..j...gg..nnaa....aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............................"

// leet maps the digits and symbols of leetspeak to the letter they stand for.
// '2' (to/z) and '6'/'8' (ambiguous) are deliberately absent.
func leet(r rune) (rune, bool) {
	switch r {
	case '0':
		return 'o', true
	case '1':
		return 'i', true
	case '3':
		return 'e', true
	case '4':
		return 'a', true
	case '5':
		return 's', true
	case '7':
		return 't', true
	case '9':
		return 'g', true
	case '@':
		return 'a', true
	case '$':
		return 's', true
	}
	return r, false
}

// Kinds of hidden characters.
const (
	KindZeroWidth  = "zero_width"         // U+200B..U+200D, U+2060..U+2064, U+FEFF, U+180E, U+034F
	KindSoftHyphen = "soft_hyphen"        // U+00AD: common in hyphenated prose, reported apart
	KindBidi       = "bidi_control"       // U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C
	KindTag        = "unicode_tag"        // U+E0000..U+E007F (ASCII smuggling)
	KindVariation  = "variation_selector" // U+FE00..U+FE0F, U+E0100..U+E01EF
	KindFiller     = "filler"             // Hangul and braille fillers that render as nothing
)

// hiddenKind returns the kind of an invisible character, or "".
func hiddenKind(r rune) string {
	switch {
	case r < 0xAD:
		return ""
	case r == 0xAD:
		return KindSoftHyphen
	case r == 0x34F, r == 0x180E, r == 0xFEFF,
		r >= 0x200B && r <= 0x200D, r >= 0x2060 && r <= 0x2064:
		return KindZeroWidth
	case r == 0x200E, r == 0x200F, r == 0x61C,
		r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return KindBidi
	case r >= 0xE0000 && r <= 0xE007F:
		return KindTag
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return KindVariation
	case r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, r == 0x2800:
		return KindFiller
	}
	return ""
}

// commonWords are frequent English words; rot13 text is decoded only when
// its rot13 holds more of them than the text itself.
var commonWords = wordSet(`the be to of and a in that have i it for not on with he as you do at this but his by
from they we say her she or an will my one all would there their what so up out if about who get which go me
when make can like time no just him know take people into year your good some could them see other than then
now look only come its over think also back after use two how our work first well way even new want because
any these give day most us is are was were been has had did does said please tell write show give print
repeat ignore previous instructions instruction prompt system above below now every answer question
following text rules secret password reveal forget disregard new task must should never always output
here there where why how what who them those very more less much many each word words message`)

func wordSet(s string) map[string]struct{} {
	m := make(map[string]struct{})
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			m[s[start:i]] = struct{}{}
			start = -1
		}
	}
	return m
}
