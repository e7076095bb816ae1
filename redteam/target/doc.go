// Package target owns the clients that talk to a system under test: an
// OpenAI-compatible chat endpoint (plain or streaming), the Anthropic
// messages API, Ollama, a generic HTTP endpoint described by a request
// template and a response path, and a local command speaking over stdin and
// stdout. Every client returns the same [Reply] and reports provider errors
// as a [*StatusError] so that the runner can retry 429s and 5xx replies.
package target
