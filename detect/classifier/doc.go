// Package classifier owns Bulwark's statistical prompt-injection and
// jailbreak classifier: a logistic-regression model over signed, hashed
// word uni/bi-grams and character 3–5-grams of the normalised text
// (see package normalize), trained here in pure Go with AdaGrad and L2
// regularisation, calibrated with Platt scaling on a held-out fold of the
// training data, and shipped as int8-quantised weights embedded in the
// binary with a SHA-256 checksum.
//
// [Load] returns the embedded model; [Model.Score] turns a folded text
// (normalize.Fold of the raw text) into the calibrated probability that it
// is malicious (injection, jailbreak, prompt extraction or an indirect
// injection planted in a document). [Train] and the command in cmd/train
// rebuild the weights; docs/classifier.md is the model card.
//
// A Model is immutable once built and safe for concurrent use.
package classifier
