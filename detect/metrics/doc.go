// Package metrics owns the evaluation arithmetic shared by Bulwark's
// detectors and the `bulwark check --labels` command: ROC-AUC, the
// true-positive rate at a chosen false-positive rate, the threshold that
// achieves a false-positive rate, and precision, recall and F1 at a
// threshold. Scores are "higher means more malicious"; labels are true for
// malicious (positive) rows.
package metrics
