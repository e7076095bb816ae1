package toxic

// Harmful instructions: a request cue ("how to", "steps to") or an action
// verb followed closely by a dangerous object (a weapons, illegal or
// self-harm lexicon entry of medium or high severity), and, in answers,
// step-by-step structure around such objects.

var (
	// requestCues open a request for instructions (squeezed words).
	requestCues = squeezedPhrases("how to", "how do i", "how can i", "how would i", "how would you", "how do you",
		"how should i", "steps to", "step by step", "instructions for", "instructions on", "instructions to",
		"guide to", "recipe for", "tutorial", "teach me", "explain how", "show me how", "ways to", "tell me how",
		"best way to", "walk me through", "detailed plan", "write a script", "write code")
	// actionVerbs make, get or use something (squeezed).
	actionVerbs = squeezedSet("make", "build", "create", "synthesize", "synthesise", "manufacture", "produce", "cook",
		"brew", "assemble", "construct", "craft", "print", "obtain", "buy", "acquire", "get", "write", "code", "develop",
		"deploy", "spread", "use", "hide", "smuggle", "launder", "grow", "extract", "convert", "modify", "plant",
		"detonate", "set", "hack", "steal", "poison", "install", "distribute", "sell", "carry", "mix")
	// stepWords mark a procedure in an answer.
	stepWords = squeezedSet("step", "first", "then", "next", "finally", "afterwards", "ingredients", "materials",
		"mix", "heat", "combine", "apply", "install", "run")
)

// dangerous reports whether a hit names a dangerous object or act.
func dangerous(h Hit) bool {
	return h.Severity >= severityWeight(2) && (h.Category == Weapons || h.Category == Illegal || h.Category == SelfHarm)
}

// instructionHits finds requests for harmful instructions: a cue or an
// action verb at most six words before a dangerous lexicon hit.
func instructionHits(toks []Token, hits []Hit, out []Hit) []Hit {
	for _, h := range hits {
		if !dangerous(h) {
			continue
		}
		// Index of the first token of the hit.
		hi := tokenAt(toks, h.Start)
		if hi < 0 {
			continue
		}
		lo := max(0, hi-6)
		verb, cue := -1, -1
		for k := lo; k < hi; k++ {
			if actionVerbs[toks[k].Key] {
				verb = k
			}
		}
		for k := max(0, hi-10); k < hi; k++ {
			for _, c := range requestCues {
				if matchWords(toks, k, c) {
					cue = k
				}
			}
		}
		switch {
		case cue >= 0 && verb >= 0:
			out = append(out, Hit{Category: Instructions, Severity: min(1, h.Severity+0.1), Start: toks[cue].Start, End: h.End, Phrase: "request: how to + " + string(h.Category)})
		case cue >= 0 || verb >= 0:
			k := max(cue, verb)
			out = append(out, Hit{Category: Instructions, Severity: h.Severity * 0.85, Start: toks[k].Start, End: h.End, Phrase: "action + " + string(h.Category)})
		}
	}
	return out
}

// stepCount counts procedure markers ("step", "first", "then", numbered
// lines) in a text.
func stepCount(folded string, toks []Token) int {
	n := 0
	for _, t := range toks {
		if stepWords[t.Key] {
			n++
		}
	}
	for i := 0; i+2 < len(folded); i++ {
		if (i == 0 || folded[i-1] == '\n') && folded[i] >= '1' && folded[i] <= '9' && (folded[i+1] == '.' || folded[i+1] == ')') {
			n++
		}
	}
	return n
}

func tokenAt(toks []Token, start int) int {
	lo, hi := 0, len(toks)
	for lo < hi {
		m := (lo + hi) / 2
		if toks[m].Start < start {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(toks) && toks[lo].Start == start {
		return lo
	}
	return -1
}

func matchWords(toks []Token, i int, ws []string) bool {
	if i+len(ws) > len(toks) {
		return false
	}
	for k, w := range ws {
		if toks[i+k].Key != w {
			return false
		}
	}
	return true
}

// squeezedSet builds a set of words as Tokenize would read them.
func squeezedSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[Squeeze(w)] = true
	}
	return m
}

// squeezedPhrases tokenizes phrases as Tokenize would read them.
func squeezedPhrases(phrases ...string) [][]string {
	out := make([][]string, 0, len(phrases))
	for _, p := range phrases {
		var ws []string
		for _, t := range Tokenize(p) {
			ws = append(ws, t.Key)
		}
		out = append(out, ws)
	}
	return out
}
