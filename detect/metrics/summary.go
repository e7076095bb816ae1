package metrics

import "math"

// Sample is one scored, labelled example.
type Sample struct {
	// Score is the detector's score; higher means more likely positive.
	Score float64
	// Positive is the true label.
	Positive bool
}

// Report is the summary `bulwark check --labels` prints. Metrics that
// cannot be computed (one class only) are NaN.
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

// Summarise computes the report for samples at threshold.
func Summarise(samples []Sample, threshold float64) Report {
	scores := make([]float64, len(samples))
	labels := make([]bool, len(samples))
	for i, s := range samples {
		scores[i], labels[i] = s.Score, s.Positive
	}
	r := Report{N: len(samples), Threshold: threshold, ROCAUC: math.NaN(), TPRAt1FPR: math.NaN(), ThresholdAt1FPR: math.NaN()}
	if c, err := At(scores, labels, threshold); err == nil {
		r.Confusion = c
	}
	r.Positives, r.Negatives = r.Confusion.TP+r.Confusion.FN, r.Confusion.FP+r.Confusion.TN
	r.Precision, r.Recall, r.F1, r.FPR = r.Confusion.Precision(), r.Confusion.Recall(), r.Confusion.F1(), r.Confusion.FPR()
	if auc, err := ROCAUC(scores, labels); err == nil {
		r.ROCAUC = auc
	}
	if tpr, th, err := TPRAtFPR(scores, labels, 0.01); err == nil {
		r.TPRAt1FPR, r.ThresholdAt1FPR = tpr, th
	}
	return r
}
