package toxic

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed compliance.tsv
var complianceTSV string

// ComplianceWindow is the window of the compliance model: it was trained
// on whole answers of a few hundred words.
const ComplianceWindow = 300

// Scorer scores folded text. Build it once with New; it is immutable and
// safe for concurrent use.
type Scorer struct {
	lex        *Lexicon
	model      *Model
	compliance *Model
}

// New parses the embedded lexicon and learned weights.
func New() (*Scorer, error) {
	lex, err := ParseLexicon(lexiconTSV)
	if err != nil {
		return nil, fmt.Errorf("toxic: %w", err)
	}
	m, err := ParseModel(weightsTSV)
	if err != nil {
		return nil, fmt.Errorf("toxic: weights.tsv: %w", err)
	}
	c, err := ParseModel(complianceTSV)
	if err != nil {
		return nil, fmt.Errorf("toxic: compliance.tsv: %w", err)
	}
	c.Window = ComplianceWindow
	return &Scorer{lex: lex, model: m, compliance: c}, nil
}

// Result is the toxicity judgement of one text.
type Result struct {
	// Score in [0,1]: the strongest of the lexicon, the harmful-instruction
	// patterns and the learned model.
	Score float64
	// Hits are the lexicon and pattern matches (spans of the folded text).
	Hits []Hit
	// Learned is the learned model's probability.
	Learned float64
	// Dangerous reports a medium- or high-severity weapons, illegal or
	// self-harm term: the text is about something harmful.
	Dangerous bool
	// Intent reports wording aimed at harm, deception or crime.
	Intent bool
	// Steps counts procedure markers ("step", "first", numbered lines).
	Steps int
	// Tokens are the text's tokens, for callers that score further.
	Tokens []Token
}

// A learned score above supportCap needs a term weighing at least
// supportWeight (a clearly offensive word) in the text.
const (
	supportCap    = 0.3
	supportWeight = 2.0
)

// topicCap bounds what naming a weapon, drug or crime scores by itself;
// longCap bounds the learned score of a long text (more than longText
// tokens) with fewer than three distinct strongly weighted terms. Both
// sit below the engine's toxicity threshold (0.6).
const (
	topicCap = 0.3
	longCap  = 0.3
	longText = 100
)

// strongTerms counts the distinct unigrams of toks that weigh at least
// supportWeight in the learned model.
func (s *Scorer) strongTerms(toks []Token) int {
	seen := map[string]bool{}
	for _, t := range toks {
		if !seen[t.Text] && s.model.Weights[t.Text] >= supportWeight {
			seen[t.Text] = true
		}
	}
	return len(seen)
}

// textOf returns the learned term a Predict hit covers.
func textOf(h Hit, toks []Token) string {
	var parts []string
	for _, t := range toks {
		if t.Start >= h.Start && t.End <= h.End {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, " ")
}

// profanityCap bounds what rude words alone can score.
const profanityCap = 0.3

// Score judges folded text.
func (s *Scorer) Score(folded string) Result {
	toks := Tokenize(folded)
	var r Result
	r.Tokens = toks
	r.Hits = s.lex.match(toks, nil)
	cats := map[Category]bool{}
	lex := 0.0
	for _, h := range r.Hits {
		if h.Category == Intent {
			r.Intent = true
			continue
		}
		v := h.Severity
		switch {
		case h.Category == Profanity:
			v = min(v, profanityCap)
		case h.Category == Weapons || h.Category == Illegal || (h.Category == Sexual && h.Severity < severityWeight(3)) ||
			(h.Category == Violence && !strings.Contains(h.Phrase, " ")):
			// Naming a weapon, a drug, a crime or a killing is a topic, not an
			// attack: news and safety questions do it. It scores high only
			// as part of a request for instructions (instructionHits) or a
			// complying answer (the detector's harmful-compliance signal).
			v = min(v, topicCap)
		}
		lex = max(lex, v)
		if v > topicCap {
			cats[h.Category] = true
		}
		if dangerous(h) {
			r.Dangerous = true
		}
	}
	if len(cats) > 1 {
		lex = min(1, lex+0.05*float64(len(cats)-1))
	}
	r.Hits = instructionHits(toks, r.Hits, r.Hits)
	for _, h := range r.Hits {
		if h.Category == Instructions {
			lex = max(lex, h.Severity)
		}
	}
	p, top := s.model.Predict(toks)
	switch {
	case p > supportCap && s.model.Weights[textOf(top, toks)] < supportWeight:
		// Many mildly positive words but no strongly toxic one: the learned
		// weights drift on text unlike tweets, so do not let them decide.
		p = supportCap
	case p > longCap && len(toks) > longText && s.strongTerms(toks) < 3:
		// One or two rude words in a long document (a quote in a news
		// story) do not make the document toxic; a short message, or a
		// long rant, is judged in full.
		p = longCap
	}
	r.Learned = p
	if top.End > top.Start && p >= 0.5 {
		r.Hits = append(r.Hits, top)
	}
	r.Steps = stepCount(folded, toks)
	r.Score = max(lex, p)
	return r
}

// Compliance returns the learned probability that a response goes along
// with a harmful request (trained on jailbroken vs refused answers). It is
// meaningful only when the exchange is about something harmful.
func (s *Scorer) Compliance(toks []Token) float64 {
	p, _ := s.compliance.Predict(toks)
	return p
}

// HarmfulTopic reports whether folded text is about something harmful: a
// dangerous object or act, harm-intent wording ("without getting caught"),
// or violent, hateful, harassing or sexual content. The harmful-compliance
// signal uses it on the prompt a response answers.
func (s *Scorer) HarmfulTopic(folded string) bool {
	toks := Tokenize(folded)
	for _, h := range s.lex.match(toks, nil) {
		switch {
		case dangerous(h), h.Category == Intent:
			return true
		case h.Category != Profanity && h.Severity >= severityWeight(2):
			return true
		}
	}
	return false
}
