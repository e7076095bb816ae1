// Package redactstream sanitises datasets: it streams plain text or JSON
// Lines through a redactor (detect.Engine) line by line, in constant memory,
// rewriting only the chosen JSON fields and keeping every other field, and
// the order of keys, as it was. `bulwark redact` is a thin wrapper around it.
package redactstream
