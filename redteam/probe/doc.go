// Package probe owns the attack catalog: probes as data (an embedded YAML
// file written for Bulwark), their validation, selection and expansion into
// concrete variants. Each probe says what it attacks, the prompts or
// scripted conversations that carry the attack, what a safe answer looks
// like, how success is judged, and where it sits in the OWASP Top 10 for
// LLM Applications 2025 and MITRE ATLAS.
package probe
