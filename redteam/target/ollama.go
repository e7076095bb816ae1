package target

import (
	"context"
	"encoding/json"
	"fmt"
)

// Ollama is a client for Ollama's /api/chat endpoint (non-streaming).
type Ollama struct {
	http  httpClient
	model string
}

// Name describes the target.
func (o *Ollama) Name() string { return "ollama:" + o.http.url }

type olRequest struct {
	Model    string         `json:"model"`
	Messages []Message      `json:"messages"`
	Tools    []oaTool       `json:"tools,omitempty"`
	Stream   bool           `json:"stream"`
	Options  map[string]any `json:"options,omitempty"`
}

type olResponse struct {
	Message *struct {
		Content   string `json:"content"`
		ToolCalls []struct {
			Function struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"message"`
	PromptEvalCount int    `json:"prompt_eval_count"`
	EvalCount       int    `json:"eval_count"`
	Error           string `json:"error"`
}

// Send sends one chat request.
func (o *Ollama) Send(ctx context.Context, req Request) (Reply, error) {
	body := olRequest{Model: o.model}
	if req.System != "" {
		body.Messages = append(body.Messages, Message{Role: "system", Content: req.System})
	}
	body.Messages = append(body.Messages, req.Messages...)
	opts := map[string]any{}
	if req.Seed != 0 {
		opts["seed"] = req.Seed
	}
	if req.MaxTokens > 0 {
		opts["num_predict"] = req.MaxTokens
	}
	if len(opts) > 0 {
		body.Options = opts
	}
	for _, t := range req.Tools {
		var ot oaTool
		ot.Type = "function"
		ot.Function.Name, ot.Function.Description, ot.Function.Parameters = t.Name, t.Description, emptyObjectSchema(t.Parameters)
		body.Tools = append(body.Tools, ot)
	}
	var out olResponse
	if err := o.http.postJSON(ctx, body, &out, nil); err != nil {
		return Reply{}, err
	}
	if out.Error != "" {
		return Reply{}, fmt.Errorf("target %s: %w: error %q", o.http.url, ErrMalformed, out.Error)
	}
	if out.Message == nil {
		return Reply{}, fmt.Errorf("target %s: %w: no message", o.http.url, ErrMalformed)
	}
	rep := Reply{Text: out.Message.Content, Usage: Usage{InputTokens: out.PromptEvalCount, OutputTokens: out.EvalCount}}
	for _, tc := range out.Message.ToolCalls {
		rep.ToolCalls = append(rep.ToolCalls, ToolCall{Name: tc.Function.Name, Arguments: string(tc.Function.Arguments)})
	}
	estimateUsage(&req, &rep)
	return rep, nil
}
