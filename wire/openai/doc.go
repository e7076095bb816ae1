// Package openai knows the OpenAI API wire format as the gateway needs it
// (https://platform.openai.com/docs/api-reference): the texts of chat,
// completion and embedding requests with their roles, the texts of
// responses and stream chunks, and the gateway's own answers (a blocked
// completion, a cut stream, an error) in the same format, so that OpenAI
// SDKs parse them unchanged.
package openai
