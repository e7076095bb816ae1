// Package score turns judged attempts into numbers: per-category attack
// success rates with Wilson score confidence intervals, a composite 0–100
// security score with documented weights, token and cost totals, and the
// comparison of two runs that flags regressions.
package score
