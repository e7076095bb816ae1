package toxic

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// Category is a kind of toxic or harmful content.
type Category string

// The categories of the lexicon.
const (
	Hate       Category = "hate"
	Harassment Category = "harassment"
	Violence   Category = "violence"
	SelfHarm   Category = "self_harm"
	Sexual     Category = "sexual"
	Weapons    Category = "weapons"
	Illegal    Category = "illegal"
	Profanity  Category = "profanity"
	// Intent marks wording aimed at harm or crime ("without getting
	// caught"); it is not scored by itself.
	Intent Category = "intent"
	// Learned is the category of evidence from the learned term weights.
	Learned Category = "learned"
	// Instructions marks harmful instructions asked for or given.
	Instructions Category = "harmful_instructions"
)

//go:embed lexicon.tsv
var lexiconTSV string

// entry is one lexicon phrase.
type entry struct {
	cat      Category
	severity int
	words    []string // squeezed; the last may be a prefix
	prefix   bool
}

// Lexicon is a parsed lexicon indexed by first word. It is immutable once
// built and safe for concurrent use.
type Lexicon struct {
	byFirst map[string][]*entry
	// prefixes holds the one-word prefix entries by their first three
	// bytes (shorter prefixes under their whole text).
	prefixes map[string][]*entry
}

// severityWeight maps a severity (1-3) to a score.
func severityWeight(sev int) float64 {
	switch sev {
	case 1:
		return 0.35
	case 2:
		return 0.65
	}
	return 0.9
}

// ParseLexicon reads the lexicon format: one "category TAB severity TAB
// phrase" per line, '#' comments and blank lines ignored.
func ParseLexicon(data string) (*Lexicon, error) {
	lx := &Lexicon{byFirst: map[string][]*entry{}, prefixes: map[string][]*entry{}}
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("lexicon line %d: want 3 tab-separated fields, got %d", n+1, len(f))
		}
		sev, err := strconv.Atoi(f[1])
		if err != nil || sev < 1 || sev > 3 {
			return nil, fmt.Errorf("lexicon line %d: severity %q is not 1, 2 or 3", n+1, f[1])
		}
		e := &entry{cat: Category(f[0]), severity: sev}
		phrase := f[2]
		if strings.HasSuffix(phrase, "*") {
			e.prefix = true
			phrase = strings.TrimSuffix(phrase, "*")
		}
		for _, t := range Tokenize(phrase) {
			e.words = append(e.words, t.Key)
		}
		if len(e.words) == 0 {
			return nil, fmt.Errorf("lexicon line %d: empty phrase", n+1)
		}
		if e.prefix && len(e.words) == 1 {
			k := e.words[0][:min(3, len(e.words[0]))]
			lx.prefixes[k] = append(lx.prefixes[k], e)
		} else {
			lx.byFirst[e.words[0]] = append(lx.byFirst[e.words[0]], e)
		}
	}
	return lx, nil
}

// Hit is one lexicon or pattern match.
type Hit struct {
	Category Category
	// Severity is the entry's weight in [0,1].
	Severity float64
	// Start and End are byte offsets in the folded text.
	Start, End int
	// Phrase is the lexicon phrase or the pattern that matched.
	Phrase string
}

// match appends the lexicon hits among toks.
func (lx *Lexicon) match(toks []Token, hits []Hit) []Hit {
	for i, t := range toks {
		for _, e := range lx.byFirst[t.Key] {
			if end, ok := e.matchAt(toks, i); ok {
				hits = append(hits, Hit{Category: e.cat, Severity: severityWeight(e.severity), Start: t.Start, End: toks[end].End, Phrase: strings.Join(e.words, " ")})
			}
		}
		for n := 1; n <= 3 && n <= len(t.Key); n++ {
			for _, e := range lx.prefixes[t.Key[:n]] {
				if strings.HasPrefix(t.Key, e.words[0]) {
					hits = append(hits, Hit{Category: e.cat, Severity: severityWeight(e.severity), Start: t.Start, End: t.End, Phrase: e.words[0] + "*"})
				}
			}
		}
	}
	return hits
}

// matchAt reports whether e matches toks at i, and the last token index.
func (e *entry) matchAt(toks []Token, i int) (int, bool) {
	if i+len(e.words) > len(toks) {
		return 0, false
	}
	for k, w := range e.words {
		t := toks[i+k].Key
		last := k == len(e.words)-1
		if last && e.prefix {
			if !strings.HasPrefix(t, w) {
				return 0, false
			}
		} else if t != w {
			return 0, false
		}
	}
	return i + len(e.words) - 1, true
}
