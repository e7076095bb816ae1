package toxic

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
)

//go:embed weights.tsv
var weightsTSV string

// Model is a logistic model over squeezed word unigrams and bigrams:
// p = sigmoid(Bias + sum of the weights of the distinct terms present).
// It is immutable once parsed and safe for concurrent use.
type Model struct {
	Bias    float64
	Weights map[string]float64
	// Window is how many tokens one judgement spans (see Predict); 0
	// means DefaultWindow.
	Window int
}

// ParseModel reads the weights format: "#bias TAB value" and then one
// "term TAB weight" per line (a bigram is two words joined by a space).
func ParseModel(data string) (*Model, error) {
	m := &Model{Weights: map[string]float64{}}
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		term, val, ok := strings.Cut(line, "\t")
		if strings.HasPrefix(term, "#") && term != "#bias" {
			continue // a comment
		}
		if !ok {
			return nil, fmt.Errorf("weights line %d: want term TAB weight", n+1)
		}
		w, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("weights line %d: bad weight %q", n+1, val)
		}
		switch {
		case term == "#bias":
			m.Bias = w
		default:
			m.Weights[term] = w
		}
	}
	return m, nil
}

// Features returns the distinct unigram and bigram terms of toks.
func Features(toks []Token) []string {
	seen := make(map[string]bool, 2*len(toks))
	out := make([]string, 0, 2*len(toks))
	for i, t := range toks {
		if !seen[t.Text] {
			seen[t.Text] = true
			out = append(out, t.Text)
		}
		if i > 0 {
			b := toks[i-1].Text + " " + t.Text
			if !seen[b] {
				seen[b] = true
				out = append(out, b)
			}
		}
	}
	return out
}

// DefaultWindow is the span, in tokens, over which Predict judges long
// texts. Weights learned on short texts, summed over a long one, drift
// towards 1, so a long text scores as its worst window.
const DefaultWindow = 40

// Predict returns the model's probability for toks and the strongest
// positive term as a Hit (zero Hit if none). Texts longer than m.Window
// tokens score as their highest-scoring window of m.Window tokens.
func (m *Model) Predict(toks []Token) (p float64, top Hit) {
	window := m.Window
	if window <= 0 {
		window = DefaultWindow
	}
	if len(toks) == 0 {
		return sigmoid(m.Bias), top
	}
	// contrib[i]: weight of the unigram at i plus the bigram ending at i.
	contrib := make([]float64, len(toks))
	var buf []byte
	best := 0.0
	for i, t := range toks {
		w := m.Weights[t.Text]
		if w > best {
			best, top = w, Hit{Category: Learned, Start: t.Start, End: t.End, Phrase: "learned term"}
		}
		if i > 0 {
			buf = append(append(append(buf[:0], toks[i-1].Text...), ' '), t.Text...)
			if bw, ok := m.Weights[string(buf)]; ok {
				w += bw
				if bw > best {
					best, top = bw, Hit{Category: Learned, Start: toks[i-1].Start, End: t.End, Phrase: "learned term"}
				}
			}
		}
		contrib[i] = w
	}
	if len(toks) <= window {
		// Short text: each distinct term once, as in training.
		z := m.Bias
		seen := make(map[string]bool, 2*len(toks))
		for i, t := range toks {
			if !seen[t.Text] {
				seen[t.Text] = true
				z += m.Weights[t.Text]
			}
			if i > 0 {
				buf = append(append(append(buf[:0], toks[i-1].Text...), ' '), t.Text...)
				if bw, ok := m.Weights[string(buf)]; ok && !seen[string(buf)] {
					seen[string(buf)] = true
					z += bw
				}
			}
		}
		p = sigmoid(z)
	} else {
		sum := 0.0
		for i := 0; i < window; i++ {
			sum += contrib[i]
		}
		maxSum := sum
		for i := window; i < len(toks); i++ {
			sum += contrib[i] - contrib[i-window]
			maxSum = max(maxSum, sum)
		}
		p = sigmoid(m.Bias + maxSum)
	}
	top.Severity = p
	return p, top
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
