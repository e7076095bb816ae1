// Package toxic scores text for toxic and harmful content: a categorised
// lexicon written for Bulwark (hate, harassment, violence, self-harm,
// sexual, weapons, illegal activity) with severities, harmful-instruction
// patterns ("how to make" + a dangerous object; step-by-step answers about
// one), and term weights learned from the Davidson et al. (2017) tweets by
// logistic regression (see the toxtrain command). Both data files are
// embedded: lexicon.tsv (hand-written) and weights.tsv (learned).
//
// It works on folded text (detect.Document.Folded: lower-cased, leetspeak
// and homoglyphs folded, spaced-out letters joined) and also squeezes
// repeated letters itself ("kiiiill" reads as "kill"), so the usual
// obfuscations do not hide a term. The package is a leaf; detect wraps it.
package toxic
