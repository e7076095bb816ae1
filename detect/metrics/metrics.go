package metrics

import (
	"math"
	"sort"
)

// Sample is one scored, labelled example.
type Sample struct {
	// Score is the detector's score; higher means more likely positive.
	Score float64
	// Positive is the true label.
	Positive bool
}

// Confusion counts outcomes at one threshold.
type Confusion struct {
	TP, FP, TN, FN int
}

// At returns the confusion counts when scores at or above threshold are
// predicted positive.
func At(samples []Sample, threshold float64) Confusion {
	var c Confusion
	for _, s := range samples {
		pred := s.Score >= threshold
		switch {
		case pred && s.Positive:
			c.TP++
		case pred && !s.Positive:
			c.FP++
		case !pred && s.Positive:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

// Precision is TP/(TP+FP); 0 when nothing was predicted positive.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall (true-positive rate) is TP/(TP+FN); 0 without positives.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// FPR is FP/(FP+TN); 0 without negatives.
func (c Confusion) FPR() float64 { return ratio(c.FP, c.FP+c.TN) }

// F1 is the harmonic mean of precision and recall.
func (c Confusion) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ROCAUC returns the area under the ROC curve: the probability that a
// random positive scores above a random negative, ties counting half
// (the Mann-Whitney U statistic). It returns NaN when either class is
// missing.
func ROCAUC(samples []Sample) float64 {
	s := sorted(samples)
	var pos, neg int
	for _, x := range s {
		if x.Positive {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	// Sum of ranks of positives, with average ranks for ties.
	var rankSum float64
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j].Score == s[i].Score {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if s[k].Positive {
				rankSum += avg
			}
		}
		i = j
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg))
}

// TPRAtFPR returns the highest true-positive rate reachable with a
// false-positive rate at or below maxFPR, and the threshold that reaches
// it (predict positive when score >= threshold). Without negatives or
// positives it returns NaN.
func TPRAtFPR(samples []Sample, maxFPR float64) (tpr, threshold float64) {
	s := sorted(samples)
	var pos, neg int
	for _, x := range s {
		if x.Positive {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN(), math.NaN()
	}
	allowed := int(math.Floor(maxFPR*float64(neg) + 1e-9))
	threshold = math.Inf(1)
	tp, fp := 0, 0
	// walk thresholds from the highest score down, a tie group at a time.
	for i := len(s) - 1; i >= 0; {
		j := i
		gtp, gfp := 0, 0
		for j >= 0 && s[j].Score == s[i].Score {
			if s[j].Positive {
				gtp++
			} else {
				gfp++
			}
			j--
		}
		if fp+gfp > allowed {
			break
		}
		tp, fp = tp+gtp, fp+gfp
		threshold = s[i].Score
		i = j
	}
	return float64(tp) / float64(pos), threshold
}

// Report is the summary `bulwark check --labels` prints.
type Report struct {
	N, Positives, Negatives int
	Threshold               float64
	Confusion               Confusion
	Precision, Recall, F1   float64
	FPR                     float64
	ROCAUC                  float64
	TPRAt1FPR               float64
	ThresholdAt1FPR         float64
}

// Summarise computes the report at threshold.
func Summarise(samples []Sample, threshold float64) Report {
	c := At(samples, threshold)
	tpr, th := TPRAtFPR(samples, 0.01)
	return Report{
		N: len(samples), Positives: c.TP + c.FN, Negatives: c.FP + c.TN, Threshold: threshold,
		Confusion: c, Precision: c.Precision(), Recall: c.Recall(), F1: c.F1(), FPR: c.FPR(),
		ROCAUC: ROCAUC(samples), TPRAt1FPR: tpr, ThresholdAt1FPR: th,
	}
}

func sorted(samples []Sample) []Sample {
	s := make([]Sample, len(samples))
	copy(s, samples)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Score < s[j].Score })
	return s
}
