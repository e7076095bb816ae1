package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// ErrNoData is returned when the scores are empty or a computation needs
// both positive and negative rows and one class is missing.
var ErrNoData = errors.New("metrics: need scored rows of both classes")

// ErrMismatch is returned when scores and labels differ in length.
var ErrMismatch = errors.New("metrics: scores and labels differ in length")

// ErrBadScore is returned for a NaN score, which cannot be ranked.
var ErrBadScore = errors.New("metrics: NaN score")

// Confusion counts the outcomes of a thresholded detector.
type Confusion struct {
	TP, FP, TN, FN int
}

// Precision is TP/(TP+FP), 0 when nothing was flagged.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall (the true-positive rate) is TP/(TP+FN), 0 without positives.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// FPR is FP/(FP+TN), 0 without negatives.
func (c Confusion) FPR() float64 { return ratio(c.FP, c.FP+c.TN) }

// F1 is the harmonic mean of precision and recall, 0 when both are 0.
func (c Confusion) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// String formats the counts and the derived rates on one line.
func (c Confusion) String() string {
	return fmt.Sprintf("tp=%d fp=%d tn=%d fn=%d precision=%.4f recall=%.4f f1=%.4f fpr=%.4f",
		c.TP, c.FP, c.TN, c.FN, c.Precision(), c.Recall(), c.F1(), c.FPR())
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func check(scores []float64, labels []bool) error {
	if len(scores) != len(labels) {
		return fmt.Errorf("%w: %d scores, %d labels", ErrMismatch, len(scores), len(labels))
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return fmt.Errorf("%w at row %d", ErrBadScore, i)
		}
	}
	return nil
}

func classes(labels []bool) (pos, neg int) {
	for _, l := range labels {
		if l {
			pos++
		} else {
			neg++
		}
	}
	return pos, neg
}

// At thresholds the scores: a row is flagged when its score is >= threshold.
func At(scores []float64, labels []bool, threshold float64) (Confusion, error) {
	if err := check(scores, labels); err != nil {
		return Confusion{}, err
	}
	var c Confusion
	for i, s := range scores {
		flagged := s >= threshold
		switch {
		case flagged && labels[i]:
			c.TP++
		case flagged:
			c.FP++
		case labels[i]:
			c.FN++
		default:
			c.TN++
		}
	}
	return c, nil
}

// ROCAUC is the area under the ROC curve: the probability that a random
// positive row scores above a random negative one, ties counting one half
// (the Mann-Whitney U statistic over average ranks).
func ROCAUC(scores []float64, labels []bool) (float64, error) {
	if err := check(scores, labels); err != nil {
		return 0, err
	}
	pos, neg := classes(labels)
	if pos == 0 || neg == 0 {
		return 0, ErrNoData
	}
	idx := order(scores)
	// Sum of the (1-based, tie-averaged) ranks of the positives.
	var rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += avg
			}
		}
		i = j
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg)), nil
}

// order returns the row indices sorted by ascending score.
func order(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	return idx
}

// ThresholdAtFPR returns the lowest threshold whose false-positive rate on
// these rows is at most maxFPR (flagging is score >= threshold). When even
// the strictest useful threshold exceeds maxFPR (the top-scoring negatives
// tie), it returns the threshold just above the highest negative score, so
// that no negative is flagged.
func ThresholdAtFPR(scores []float64, labels []bool, maxFPR float64) (float64, error) {
	if err := check(scores, labels); err != nil {
		return 0, err
	}
	if math.IsNaN(maxFPR) || maxFPR < 0 || maxFPR > 1 {
		return 0, fmt.Errorf("metrics: false-positive rate %v outside [0,1]", maxFPR)
	}
	_, neg := classes(labels)
	if neg == 0 || len(scores) == 0 {
		return 0, ErrNoData
	}
	negs := make([]float64, 0, neg)
	for i, s := range scores {
		if !labels[i] {
			negs = append(negs, s)
		}
	}
	slices.Sort(negs)
	slices.Reverse(negs) // descending
	allowed := int(math.Floor(maxFPR * float64(neg)))
	// Flag at most `allowed` negatives: the threshold must lie strictly above
	// negs[allowed] (the first negative that may not be flagged).
	if allowed >= neg {
		return math.Inf(-1), nil
	}
	return math.Nextafter(negs[allowed], math.Inf(1)), nil
}

// TPRAtFPR is the true-positive rate at the threshold [ThresholdAtFPR]
// returns, with that threshold.
func TPRAtFPR(scores []float64, labels []bool, maxFPR float64) (tpr, threshold float64, err error) {
	pos, _ := classes(labels)
	if pos == 0 {
		return 0, 0, ErrNoData
	}
	threshold, err = ThresholdAtFPR(scores, labels, maxFPR)
	if err != nil {
		return 0, 0, err
	}
	c, err := At(scores, labels, threshold)
	if err != nil {
		return 0, 0, err
	}
	return c.Recall(), threshold, nil
}

// BestF1 returns the threshold among the observed scores that maximises F1,
// with its confusion counts.
func BestF1(scores []float64, labels []bool) (float64, Confusion, error) {
	if err := check(scores, labels); err != nil {
		return 0, Confusion{}, err
	}
	pos, neg := classes(labels)
	if pos == 0 {
		return 0, Confusion{}, ErrNoData
	}
	idx := order(scores)
	// Walk thresholds from high to low, flagging one tie group at a time.
	c := Confusion{FN: pos, TN: neg}
	best, bestT := c, math.Inf(1)
	for i := len(idx) - 1; i >= 0; {
		j := i
		for j >= 0 && scores[idx[j]] == scores[idx[i]] {
			if labels[idx[j]] {
				c.TP++
				c.FN--
			} else {
				c.FP++
				c.TN--
			}
			j--
		}
		if c.F1() > best.F1() {
			best, bestT = c, scores[idx[i]]
		}
		i = j
	}
	return bestT, best, nil
}
