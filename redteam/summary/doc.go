// Package summary owns presenting a red-team run: the findings (one per
// successful attack, with bounded transcript evidence and OWASP LLM / MITRE
// ATLAS references) in the shared finding model, red-team statistics in the
// report's Stats, a self-contained HTML red-team summary (score,
// per-category bars with confidence intervals, transcripts of successful
// attacks) and a JUnit file with one test per probe.
package summary
