package target

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// anthropicVersion is the API version header the Messages API requires.
const anthropicVersion = "2023-06-01"

// Anthropic is a client for the Anthropic Messages API.
type Anthropic struct {
	http   httpClient
	model  string
	apiKey string
}

// Name describes the target.
func (a *Anthropic) Name() string { return "anthropic:" + a.http.url }

type anTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anRequest struct {
	Model     string    `json:"model"`
	System    string    `json:"system,omitempty"`
	Messages  []Message `json:"messages"`
	Tools     []anTool  `json:"tools,omitempty"`
	MaxTokens int       `json:"max_tokens"`
}

type anResponse struct {
	Content []struct {
		Type  string          `json:"type"`
		Text  string          `json:"text"`
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	} `json:"content"`
	Usage struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
	Type  string `json:"type"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Send sends one messages request.
func (a *Anthropic) Send(ctx context.Context, req Request) (Reply, error) {
	body := anRequest{Model: a.model, System: req.System, Messages: req.Messages, MaxTokens: req.MaxTokens}
	if body.MaxTokens <= 0 {
		body.MaxTokens = 1024
	}
	for _, t := range req.Tools {
		body.Tools = append(body.Tools, anTool{Name: t.Name, Description: t.Description, InputSchema: emptyObjectSchema(t.Parameters)})
	}
	var out anResponse
	hdr := map[string]string{"anthropic-version": anthropicVersion, "x-api-key": a.apiKey}
	if err := a.http.postJSON(ctx, body, &out, hdr); err != nil {
		return Reply{}, err
	}
	if out.Error != nil || out.Type == "error" {
		msg := ""
		if out.Error != nil {
			msg = out.Error.Message
		}
		return Reply{}, fmt.Errorf("target %s: %w: error %q", a.http.url, ErrMalformed, msg)
	}
	if out.Content == nil {
		return Reply{}, fmt.Errorf("target %s: %w: no content", a.http.url, ErrMalformed)
	}
	var rep Reply
	var text strings.Builder
	for _, c := range out.Content {
		switch c.Type {
		case "text":
			text.WriteString(c.Text)
		case "tool_use":
			rep.ToolCalls = append(rep.ToolCalls, ToolCall{Name: c.Name, Arguments: string(c.Input)})
		}
	}
	rep.Text = text.String()
	rep.Usage = Usage{InputTokens: out.Usage.InputTokens, OutputTokens: out.Usage.OutputTokens}
	estimateUsage(&req, &rep)
	return rep, nil
}
