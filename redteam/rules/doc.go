// Package rules owns turning a red-team run's successful attacks into a
// gateway policy: every attack prompt and the answer it obtained are scored
// by the detection engine, and the best-scoring category's threshold is
// lowered just below the attack's score (never below a floor, never where
// benign traffic or the system prompt would be blocked). The result is a
// policy file in the policy package's format, loadable by `bulwark serve`,
// with the evidence (which attacks each rule blocks, which none can) in its
// header. Re-running the same attacks through the gateway shows them blocked.
package rules
