// Package judge decides whether one attack attempt succeeded. It combines
// the detection engine (harmful, leakage, PII, secrets, exfiltration
// categories), its own refusal detection, marker, canary, system-prompt
// overlap, pattern, tool-call, length and bias checks, and an optional
// LLM-as-judge that answers a rubric with a strict JSON verdict. Every
// verdict keeps the evidence of every check that ran.
package judge
