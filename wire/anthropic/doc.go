// Package anthropic knows the Anthropic Messages API wire format as the
// gateway needs it (https://docs.anthropic.com/en/api/messages and its
// streaming events): the texts of a request with their roles (tool results
// are untrusted), the texts of responses and stream events, and the
// gateway's own answers in the same format.
package anthropic
