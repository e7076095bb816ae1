// Package wiretest is a stand-in LLM provider for tests and benchmarks:
// a real HTTP server speaking the OpenAI and Anthropic wire formats
// (streaming included) whose answers, errors and delays are chosen by the
// request, so that the gateway can be exercised end to end without a
// network. It is the one mock at an edge the project does not own.
package wiretest
