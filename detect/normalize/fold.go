package normalize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tokRune is one rune of the current token and the raw offset it came from.
type tokRune struct {
	r   rune
	off int
}

// folder is stages 2 and 3: NFKC, then per-token folding and whitespace
// collapsing.
type folder struct {
	out     []byte
	off     []int
	withMap bool
	tok     []tokRune
	// pending whitespace: 0 none, ' ' or '\n'; wsOff is where it started.
	ws    byte
	wsOff int
}

// fold runs stages 2 and 3 over the stage-1 text and its offsets.
func fold(in []byte, off []int, nonASCII bool, rawLen int) (string, []int) {
	f := folder{out: make([]byte, 0, len(in)), off: make([]int, 0, len(in)+1), withMap: true}
	f.run(in, off, nonASCII)
	f.joinSpaced()
	f.off = append(f.off, rawLen)
	return string(f.out), f.off
}

// foldNoMap is fold without the offset map.
func foldNoMap(in []byte, off []int, nonASCII bool) (string, []int) {
	f := folder{out: make([]byte, 0, len(in))}
	f.run(in, off, nonASCII)
	f.joinSpaced()
	return string(f.out), nil
}

func (f *folder) run(in []byte, off []int, nonASCII bool) {
	if !nonASCII {
		for i, c := range in {
			f.feed(rune(c), off[i])
		}
		f.flush(0)
		return
	}
	var it norm.Iter
	it.Init(norm.NFKC, in)
	for !it.Done() {
		pos := it.Pos()
		seg := it.Next()
		o := 0
		if pos < len(off) {
			o = off[pos]
		}
		for len(seg) > 0 {
			r, n := utf8.DecodeRune(seg)
			seg = seg[n:]
			f.feed(r, o)
		}
	}
	f.flush(0)
}

func isTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '@' || r == '$'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r >= regionalA && r <= regionalZ
}

func (f *folder) feed(r rune, off int) {
	if isTokenRune(r) {
		f.tok = append(f.tok, tokRune{r, off})
		return
	}
	f.flush(r)
	switch {
	case r == '\n':
		if f.ws != '\n' {
			if f.ws == 0 {
				f.wsOff = off
			}
			f.ws = '\n'
		}
	case r == ' ' || r == '\t' || r == '\r' || (r >= utf8.RuneSelf && unicode.IsSpace(r)):
		if f.ws == 0 {
			f.ws, f.wsOff = ' ', off
		}
	case r == 0x34F || r >= utf8.RuneSelf && unicode.Is(unicode.Cf, r):
		// format characters left by NFKC (combining grapheme joiner).
	default:
		f.emit(unicode.ToLower(r), off)
	}
}

// emit appends r, preceded by any pending whitespace.
func (f *folder) emit(r rune, off int) {
	if f.ws != 0 {
		if len(f.out) > 0 {
			f.out = append(f.out, f.ws)
			if f.withMap {
				f.off = append(f.off, f.wsOff)
			}
		}
		f.ws = 0
	}
	if r < utf8.RuneSelf {
		f.out = append(f.out, byte(r))
		if f.withMap {
			f.off = append(f.off, off)
		}
		return
	}
	n := len(f.out)
	f.out = utf8.AppendRune(f.out, r)
	if f.withMap {
		for k := n; k < len(f.out); k++ {
			f.off = append(f.off, off)
		}
	}
}

// flush folds and emits the current token; next is the rune after it.
func (f *folder) flush(next rune) {
	tok := f.tok
	if len(tok) == 0 {
		return
	}
	f.tok = tok[:0]
	st := tokenStats(tok)
	foldScript := st.lookalike > 0 && (st.latin > 0 || st.otherLetter == 0 && st.lookalike >= 3)
	foldLeet := st.interiorLeet && st.letters >= 2 && st.leets <= st.letters+1 && !(st.allHex && len(tok) >= 6) &&
		!(st.hasAt && next == '.')
	f.emitFolded(tok, foldScript, foldLeet, st.latin > 0 || foldScript)
}

// tokenCounts describes a token's runes: how many are letters of which
// script, how many leetspeak digits and symbols, and where they stand.
type tokenCounts struct {
	latin, lookalike, otherLetter int
	letters, leets                int
	interiorLeet                  bool // a leet rune between letters
	allHex                        bool
	hasAt                         bool
}

// tokenStats counts the runes of tok.
func tokenStats(tok []tokRune) tokenCounts {
	st := tokenCounts{allHex: true}
	var seenLetter, pendingLeet bool
	for _, t := range tok {
		r := t.r
		isLetter := false
		switch {
		case r < utf8.RuneSelf:
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				st.latin++
				isLetter = true
			}
		case r >= 0xC0 && r <= 0x24F:
			st.latin++
			isLetter = true
		default:
			if _, ok := latinConfusables[r]; ok || r >= regionalA && r <= regionalZ {
				st.latin++
				isLetter = true
			} else if _, ok := scriptConfusables[r]; ok {
				st.lookalike++
				isLetter = true
			} else if unicode.IsLetter(r) {
				st.otherLetter++
				isLetter = true
			}
		}
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			st.allHex = false
		}
		if isLetter {
			st.letters++
			if pendingLeet {
				st.interiorLeet = true
			}
			seenLetter = true
			continue
		}
		if _, ok := leet(r); ok {
			st.leets++
			if r == '@' {
				st.hasAt = true
			}
			if seenLetter {
				pendingLeet = true
			}
		}
	}
	return st
}

// emitFolded emits tok folded: confusables to Latin (other scripts' too
// when foldScript), leetspeak to letters when foldLeet, lower case, accents
// dropped, and combining marks dropped in a Latin token.
func (f *folder) emitFolded(tok []tokRune, foldScript, foldLeet, latinToken bool) {
	for _, t := range tok {
		r := t.r
		if r >= utf8.RuneSelf {
			if m, ok := latinConfusables[r]; ok {
				r = m
			} else if r >= regionalA && r <= regionalZ {
				r = 'a' + (r - regionalA)
			} else if foldScript {
				if m, ok := scriptConfusables[r]; ok {
					r = m
				}
			}
		}
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			} else if foldLeet {
				r, _ = leet(r)
			}
			f.emit(r, t.off)
			continue
		}
		r = unicode.ToLower(r)
		if r >= 0xC0 && r <= 0x24F {
			if b := latinAccents[r-0xC0]; b != '.' {
				r = rune(b)
			}
		} else if latinToken && unicode.Is(unicode.Mn, r) {
			continue
		}
		f.emit(r, t.off)
	}
}

// joinSpaced joins letter-spaced words in place: four or more single
// letters separated by the same one separator (space, '.', '-', '_')
// become one word ("i g n o r e" -> "ignore").
func (f *folder) joinSpaced() {
	out := f.out
	w := 0 // write index
	for i := 0; i < len(out); {
		if maySpace(out, i) {
			if j, ok := spacedRun(out, i); ok {
				for k := i; k < j; k++ {
					if isSep(out[k]) {
						continue
					}
					out[w] = out[k]
					if f.withMap {
						f.off[w] = f.off[k]
					}
					w++
				}
				i = j
				continue
			}
		}
		out[w] = out[i]
		if f.withMap {
			f.off[w] = f.off[i]
		}
		w++
		i++
	}
	f.out = out[:w]
	if f.withMap {
		f.off = f.off[:w]
	}
}

// maySpace is a cheap filter before spacedRun: a letter-spaced run starts
// with a letter that follows no ASCII letter or digit and, when ASCII, is
// followed by a separator.
func maySpace(out []byte, i int) bool {
	if i > 0 && out[i-1] < utf8.RuneSelf && isAlnumASCII(out[i-1]) {
		return false
	}
	c := out[i]
	if c < utf8.RuneSelf {
		return isAlpha(c) && i+1 < len(out) && isSep(out[i+1])
	}
	return true
}

func isAlnumASCII(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isSep(c byte) bool { return c == ' ' || c == '.' || c == '-' || c == '_' }

// maxSpaced caps the letters of one letter-spaced run, which keeps
// joinSpaced linear.
const maxSpaced = 64

// spacedRun reports whether a letter-spaced run starts at out[i] (at a word
// start) and returns its end.
func spacedRun(out []byte, i int) (int, bool) {
	if c := out[i]; c < utf8.RuneSelf && !isAlpha(c) {
		return 0, false
	}
	if i > 0 && !isBoundary(out, i) {
		return 0, false
	}
	var sep byte
	letters, end := 0, i
	for j := i; ; {
		r, n := utf8.DecodeRune(out[j:])
		if n == 0 || !unicode.IsLetter(r) {
			break
		}
		k := j + n
		if k < len(out) {
			if r2, _ := utf8.DecodeRune(out[k:]); unicode.IsLetter(r2) || unicode.IsDigit(r2) || unicode.IsMark(r2) {
				break // a longer word: the run (if any) ended before it
			}
		}
		letters++
		end = k
		if letters >= maxSpaced || k+1 >= len(out) || !isSep(out[k]) {
			break
		}
		if sep == 0 {
			sep = out[k]
		} else if out[k] != sep {
			break
		}
		j = k + 1
	}
	return end, letters >= 4
}

func isBoundary(out []byte, i int) bool {
	r, _ := utf8.DecodeLastRune(out[:i])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}
