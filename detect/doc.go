// Package detect owns Bulwark's text detection engine: normalisation of
// hostile encodings, one detector per threat category, and the scoring that
// turns their evidence into a per-category threat score and a verdict. The
// gateway, the red-team judge and `bulwark check` all call the same Engine.
package detect
