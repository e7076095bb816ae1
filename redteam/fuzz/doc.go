// Package fuzz owns prompt fuzzing: random strings (printable, control,
// Unicode edge cases) and grammar-based prompts assembled from attack
// building blocks, packaged as a probe so that the runner sends them at
// scale and the judge flags any harmful or leaking answer.
package fuzz
