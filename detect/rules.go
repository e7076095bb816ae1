package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the small phrase-rule engine behind the heuristic
// detectors (prompt_injection, jailbreak, prompt_extraction). Rules match
// the folded text (see package normalize), so one rule covers case,
// homoglyph, leetspeak, markup and invisible-character variants.
//
// A token rule is a sequence of slots; each slot is a set of alternative
// phrases; a phrase is one or more words, and a word ending in '*' matches
// any word with that prefix. Between two slots at most gap other words may
// occur. Rules are anchored on the words of their first slot, so a text is
// tokenised once and each word costs one or a few map look-ups whatever
// the number of rules.
//
// A substring rule serves scripts written without spaces (Chinese,
// Japanese) and languages whose words take clitics (Arabic, Hindi, Korean):
// every slot must have an alternative occurring within window bytes of an
// occurrence of the first slot, in any order.

// word is one token of the folded text.
type word struct {
	s          string
	start, end int
}

// tokenize splits folded text into words: runs of letters, digits and
// marks, with an apostrophe kept between letters ("don't").
func tokenize(s string, dst []word) []word {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		n := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		in := false
		if r < utf8.RuneSelf {
			in = r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z'
			if r == '\'' && start >= 0 && i+1 < len(s) && isLetterByte(s[i+1]) {
				in = true
			}
		} else {
			in = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		}
		if in {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			dst = append(dst, word{s[start:i], start, i})
			start = -1
		}
		i += n
	}
	if start >= 0 {
		dst = append(dst, word{s[start:], start, len(s)})
	}
	return dst
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// pat is one word of a phrase.
type pat struct {
	s      string
	prefix bool
}

func (p pat) match(w string) bool {
	if p.prefix {
		return strings.HasPrefix(w, p.s)
	}
	return w == p.s
}

// rule is one heuristic.
type rule struct {
	id     string
	cat    Category
	typ    string
	weight float64
	// token rules
	slots [][][]pat // slot -> phrase -> words
	gaps  []int     // gaps[i]: max words between slot i and slot i+1
	// substring rules
	subs   [][]string
	window int
}

// tr builds a token rule: args alternate slot specs ("a b|c*") and gaps (int).
func tr(cat Category, id, typ string, weight float64, args ...any) *rule {
	r := &rule{id: id, cat: cat, typ: typ, weight: weight}
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if len(r.slots) > len(r.gaps) {
				r.gaps = append(r.gaps, 0)
			}
			var slot [][]pat
			for _, alt := range strings.Split(v, "|") {
				var ph []pat
				for _, f := range strings.Fields(alt) {
					prefix := strings.HasSuffix(f, "*")
					ws := tokenize(strings.TrimSuffix(f, "*"), nil)
					for k, w := range ws {
						ph = append(ph, pat{w.s, prefix && k == len(ws)-1})
					}
				}
				if len(ph) > 0 {
					slot = append(slot, ph)
				}
			}
			r.slots = append(r.slots, slot)
		case int:
			if i == 0 || len(r.gaps) >= len(r.slots) {
				panic("detect: rule " + id + ": gap without a slot before it") // programming error in a table
			}
			r.gaps = append(r.gaps, v)
		}
	}
	if len(r.gaps) >= len(r.slots) { // a trailing gap means nothing
		r.gaps = r.gaps[:len(r.slots)-1]
	}
	return r
}

// sr builds a substring rule.
func sr(cat Category, id, typ string, weight float64, window int, slots ...string) *rule {
	r := &rule{id: id, cat: cat, typ: typ, weight: weight, window: window}
	for _, s := range slots {
		r.subs = append(r.subs, strings.Split(s, "|"))
	}
	return r
}

// anchor says that a rule's first slot can start with a word.
type anchor struct {
	r      *rule
	phrase int
}

// ruleSet is an immutable compiled set of rules.
type ruleSet struct {
	rules    []*rule
	exact    map[string][]anchor
	prefixes map[string][]anchor
	preLens  []int
	subRules []*rule
}

func compile(rules ...[]*rule) *ruleSet {
	rs := &ruleSet{exact: map[string][]anchor{}, prefixes: map[string][]anchor{}}
	seenLen := map[int]bool{}
	for _, group := range rules {
		for _, r := range group {
			rs.rules = append(rs.rules, r)
			if r.subs != nil {
				rs.subRules = append(rs.subRules, r)
				continue
			}
			for pi, ph := range r.slots[0] {
				a := anchor{r, pi}
				if ph[0].prefix {
					rs.prefixes[ph[0].s] = append(rs.prefixes[ph[0].s], a)
					if n := len(ph[0].s); !seenLen[n] {
						seenLen[n] = true
						rs.preLens = append(rs.preLens, n)
					}
				} else {
					rs.exact[ph[0].s] = append(rs.exact[ph[0].s], a)
				}
			}
		}
	}
	return rs
}

// hit is one rule match, as a byte range of the text matched.
type hit struct {
	r          *rule
	start, end int
}

// maxHitsPerRule bounds the hits kept per rule and text.
const maxHitsPerRule = 64

// match returns the hits of rs on text (already folded) with its words.
func (rs *ruleSet) match(text string, words []word, out []hit) []hit {
	counts := map[*rule]int{}
	try := func(as []anchor, i int) {
		for _, a := range as {
			if counts[a.r] >= maxHitsPerRule {
				continue
			}
			if end, ok := matchFrom(a.r, words, i, a.phrase); ok {
				counts[a.r]++
				out = append(out, hit{a.r, words[i].start, words[end-1].end})
			}
		}
	}
	for i, w := range words {
		if as, ok := rs.exact[w.s]; ok {
			try(as, i)
		}
		for _, n := range rs.preLens {
			if len(w.s) >= n {
				if as, ok := rs.prefixes[w.s[:n]]; ok {
					try(as, i)
				}
			}
		}
	}
	for _, r := range rs.subRules {
		out = matchSub(r, text, out)
	}
	return out
}

// phraseAt reports whether phrase ph matches words at i and returns the
// index after it.
func phraseAt(ph []pat, words []word, i int) (int, bool) {
	if i+len(ph) > len(words) {
		return 0, false
	}
	for k, p := range ph {
		if !p.match(words[i+k].s) {
			return 0, false
		}
	}
	return i + len(ph), true
}

// matchFrom matches r starting with phrase p of its first slot at word i;
// it returns the index after the last matched word.
func matchFrom(r *rule, words []word, i, p int) (int, bool) {
	cur, ok := phraseAt(r.slots[0][p], words, i)
	if !ok {
		return 0, false
	}
	for s := 1; s < len(r.slots); s++ {
		found := false
		for j := cur; j <= cur+r.gaps[s-1] && j < len(words); j++ {
			for _, ph := range r.slots[s] {
				if e, ok := phraseAt(ph, words, j); ok {
					cur, found = e, true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return cur, true
}

// maxSubScan bounds how many occurrences of a substring rule's first slot
// are examined per text.
const maxSubScan = 256

func matchSub(r *rule, text string, out []hit) []hit {
	seen := 0
	for _, first := range r.subs[0] {
		from := 0
		for seen < maxSubScan {
			k := strings.Index(text[from:], first)
			if k < 0 {
				break
			}
			seen++
			pos := from + k
			lo, hi := max(0, pos-r.window), min(len(text), pos+len(first)+r.window)
			start, end := pos, pos+len(first)
			all := true
			for _, slot := range r.subs[1:] {
				found := false
				for _, alt := range slot {
					if j := strings.Index(text[lo:hi], alt); j >= 0 {
						found = true
						start, end = min(start, lo+j), max(end, lo+j+len(alt))
						break
					}
				}
				if !found {
					all = false
					break
				}
			}
			if all {
				return append(out, hit{r, start, end})
			}
			from = pos + len(first)
		}
	}
	return out
}
