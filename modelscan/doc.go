// Package modelscan is the model scanner's dispatcher: it walks files and
// folders, detects each file's format by content, runs the matching format
// scanner (the subpackages of modelscan) over an io.ReaderAt without loading
// the file, recurses into container members to a bounded depth, and
// collects findings, per-file errors and statistics into one report. It
// never imports, unpickles or executes anything.
package modelscan
