// Package evalsuite owns `bulwark test`: golden evaluation suites for an
// LLM application, written in YAML. A suite lists prompts (or prompt ×
// variable matrices) with assertions — contains, not-contains, regex, JSON
// schema, is-refusal, no-PII, no-secrets, detector score below or above,
// lexical similarity to a reference, LLM rubric — plus fuzz cases that send
// random strings and check that no harmful or leaking answer comes back.
// Results render as JUnit for CI.
package evalsuite
