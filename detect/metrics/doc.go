// Package metrics owns the evaluation arithmetic for binary detectors:
// precision, recall, F1 at a threshold, ROC-AUC, and the true-positive rate
// at a fixed false-positive rate. `bulwark check --labels` and the
// red-team reports use it.
package metrics
