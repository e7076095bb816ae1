// Package batch owns scoring of JSON Lines datasets with the detection
// engine: it streams lines through a pool of workers on all cores, keeps
// the output in input order, bounds memory by the number of lines in
// flight, and collects labels for evaluation.
package batch
