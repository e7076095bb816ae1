// Package gateway owns `bulwark serve`, the runtime protection gateway: an
// HTTP server that speaks the OpenAI and Anthropic APIs, scans every prompt,
// tool result and answer (streamed answers through a sliding window) with
// the detection engine, acts on the policy in force (block with a standard
// answer in the provider's format, redact and restore, flag, monitor),
// forwards allowed requests to the upstream that serves the model, and
// records every exchange in the audit log. It also serves the scan API, the
// admin API, health checks and Prometheus metrics.
package gateway
