// Package policy owns the gateway's policy language: a YAML file that says,
// per route and tenant, which detectors run on prompts, tool results and
// responses, at which thresholds, and what happens when one fires (block
// with a standard answer, redact, flag the caller, or only monitor), plus
// what to do when detection fails. It compiles a file into a Set, ships an
// embedded default policy, and reloads a file on SIGHUP or change while
// keeping the last good Set when the new file is invalid.
package policy
