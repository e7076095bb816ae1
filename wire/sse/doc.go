// Package sse reads and writes Server-Sent Events (the text/event-stream
// format of the WHATWG HTML standard, section 9.2) as OpenAI and Anthropic
// stream them, with every line and event bounded in size.
package sse
