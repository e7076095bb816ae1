package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func req(prompt string) Request {
	return Request{System: "be nice", Messages: []Message{{Role: RoleUser, Content: prompt}}, Tools: []Tool{{Name: "send_email"}}}
}

// fakeOpenAI imitates an OpenAI-compatible provider.
func fakeOpenAI(t *testing.T, handle func(w http.ResponseWriter, body map[string]any)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
			http.Error(w, "bad auth "+got, http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		handle(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOpenAIPlain(t *testing.T) {
	srv := fakeOpenAI(t, func(w http.ResponseWriter, body map[string]any) {
		msgs := body["messages"].([]any)
		if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" {
			t.Errorf("messages = %v", msgs)
		}
		if len(body["tools"].([]any)) != 1 {
			t.Errorf("tools = %v", body["tools"])
		}
		fmt.Fprint(w, `{"choices":[{"message":{"role":"assistant","content":"hello","tool_calls":[{"type":"function","function":{"name":"send_email","arguments":"{\"to\":\"x\"}"}}]}}],"usage":{"prompt_tokens":7,"completion_tokens":3}}`)
	})
	tg, err := New(Config{Provider: "openai", URL: srv.URL + "/v1", Model: "m", APIKey: "sk-test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tg.Send(context.Background(), req("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Text != "hello" || rep.Usage.InputTokens != 7 || rep.Usage.OutputTokens != 3 || rep.Estimated {
		t.Errorf("reply = %+v", rep)
	}
	if len(rep.ToolCalls) != 1 || rep.ToolCalls[0].Name != "send_email" {
		t.Errorf("tool calls = %+v", rep.ToolCalls)
	}
	if strings.Contains(tg.Name(), "sk-test") {
		t.Error("name leaks the key")
	}
}

func TestOpenAIStreaming(t *testing.T) {
	srv := fakeOpenAI(t, func(w http.ResponseWriter, body map[string]any) {
		if body["stream"] != true {
			t.Error("stream not requested")
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, c := range []string{
			`{"choices":[{"delta":{"role":"assistant","content":"Hel"}}]}`,
			`{"choices":[{"delta":{"content":"lo "}}]}`,
			`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"send_","arguments":"{\"a\""}}]}}]}`,
			`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"email","arguments":":1}"}}]}}]}`,
			`{"choices":[{"delta":{"content":"world"}}]}`,
			`{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":4}}`,
		} {
			fmt.Fprintf(w, ": keep-alive\n\ndata: %s\n\n", c)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
	tg, _ := New(Config{URL: srv.URL + "/v1/chat/completions", APIKey: "sk-test", Stream: true}, nil)
	rep, err := tg.Send(context.Background(), req("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Text != "Hello world" || rep.Usage.OutputTokens != 4 {
		t.Errorf("reply = %+v", rep)
	}
	if len(rep.ToolCalls) != 1 || rep.ToolCalls[0].Name != "send_email" || rep.ToolCalls[0].Arguments != `{"a":1}` {
		t.Errorf("tool calls = %+v", rep.ToolCalls)
	}
}

func TestOpenAIErrors(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(w http.ResponseWriter)
		check   func(error) bool
		wantMsg string
	}{
		{"429 with retry-after", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			http.Error(w, `{"error":{"message":"slow down"}}`, http.StatusTooManyRequests)
		}, func(err error) bool {
			var se *StatusError
			return errors.As(err, &se) && se.Retryable() && se.RetryAfter == 7*time.Second
		}, "429"},
		{"500 retryable", func(w http.ResponseWriter) { http.Error(w, "boom", 500) }, func(err error) bool {
			var se *StatusError
			return errors.As(err, &se) && se.Retryable()
		}, "500"},
		{"400 not retryable", func(w http.ResponseWriter) { http.Error(w, "bad", 400) }, func(err error) bool {
			var se *StatusError
			return errors.As(err, &se) && !se.Retryable()
		}, "400"},
		{"malformed JSON", func(w http.ResponseWriter) { fmt.Fprint(w, `{"choices":[{"mess`) }, func(err error) bool { return errors.Is(err, ErrMalformed) }, "malformed"},
		{"no choices", func(w http.ResponseWriter) { fmt.Fprint(w, `{"choices":[]}`) }, func(err error) bool { return errors.Is(err, ErrMalformed) }, "no choices"},
		{"error object", func(w http.ResponseWriter) { fmt.Fprint(w, `{"error":{"message":"nope"}}`) }, func(err error) bool { return errors.Is(err, ErrMalformed) }, "nope"},
		{"too large", func(w http.ResponseWriter) {
			fmt.Fprint(w, `{"choices":[{"message":{"content":"`+strings.Repeat("a", 5000)+`"}}]}`)
		}, func(err error) bool { return errors.Is(err, ErrTooLarge) }, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeOpenAI(t, func(w http.ResponseWriter, _ map[string]any) { tt.handle(w) })
			tg, _ := New(Config{URL: srv.URL + "/v1", APIKey: "sk-test", MaxResponseBytes: 4096}, nil)
			_, err := tg.Send(context.Background(), req("hi"))
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestStreamMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"no done":   "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
		"bad chunk": "data: {nope\n\ndata: [DONE]\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseSSE(strings.NewReader(body), 1<<20)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := parseSSE(strings.NewReader(strings.Repeat("data: {\"choices\":[]}\n", 1000)), 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized stream: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	tg, _ := New(Config{URL: srv.URL, Timeout: 100 * time.Millisecond}, nil)
	start := time.Now()
	_, err := tg.Send(context.Background(), req("hi"))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestAnthropic(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" || r.Header.Get("x-api-key") != "k" || r.Header.Get("anthropic-version") == "" {
			http.Error(w, "bad request", 400)
			return
		}
		var body anRequest
		json.NewDecoder(r.Body).Decode(&body)
		if body.System != "be nice" || body.MaxTokens == 0 || len(body.Tools) != 1 {
			http.Error(w, "bad body", 400)
			return
		}
		fmt.Fprint(w, `{"type":"message","content":[{"type":"text","text":"hi "},{"type":"tool_use","name":"send_email","input":{"to":"a"}},{"type":"text","text":"there"}],"usage":{"input_tokens":9,"output_tokens":2}}`)
	}))
	defer srv.Close()
	tg, _ := New(Config{Provider: "anthropic", URL: srv.URL, APIKey: "k"}, nil)
	rep, err := tg.Send(context.Background(), req("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Text != "hi there" || len(rep.ToolCalls) != 1 || rep.ToolCalls[0].Arguments != `{"to":"a"}` || rep.Usage.InputTokens != 9 {
		t.Errorf("reply = %+v", rep)
	}
}

func TestOllama(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body olRequest
		json.NewDecoder(r.Body).Decode(&body)
		if r.URL.Path != "/api/chat" || body.Stream || body.Messages[0].Role != "system" {
			http.Error(w, "bad", 400)
			return
		}
		fmt.Fprint(w, `{"message":{"role":"assistant","content":"ok"},"prompt_eval_count":4,"eval_count":1,"done":true}`)
	}))
	defer srv.Close()
	tg, _ := New(Config{Provider: "ollama", URL: srv.URL, Model: "llama3"}, nil)
	rep, err := tg.Send(context.Background(), req("hello"))
	if err != nil || rep.Text != "ok" || rep.Usage.InputTokens != 4 {
		t.Fatalf("reply = %+v, %v", rep, err)
	}
}

func TestGenericHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Q   string `json:"q"`
			Sys string `json:"sys"`
		}
		if err := json.Unmarshal(b, &body); err != nil || body.Q != "say \"hi\"\n" || body.Sys != "be nice" {
			http.Error(w, "bad body: "+string(b), 400)
			return
		}
		fmt.Fprint(w, `{"data":{"answers":[{"text":"first"},{"text":"second"}]}}`)
	}))
	defer srv.Close()
	tg, err := New(Config{Provider: "http", URL: srv.URL, RequestTemplate: `{"q": {{prompt}}, "sys": {{system}}}`, ResponsePath: "$.data.answers[1].text"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tg.Send(context.Background(), req("say \"hi\"\n"))
	if err != nil || rep.Text != "second" || !rep.Estimated {
		t.Fatalf("reply = %+v, %v", rep, err)
	}
	tg2, _ := New(Config{Provider: "http", URL: srv.URL, RequestTemplate: `{"q": {{prompt}}, "sys": {{system}}}`, ResponsePath: "data.missing"}, nil)
	if _, err := tg2.Send(context.Background(), req("say \"hi\"\n")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("missing path: %v", err)
	}
	if _, err := New(Config{Provider: "http", URL: srv.URL, RequestTemplate: `{"q": "{{prompt}}"}`}, nil); err == nil {
		t.Error("template with quoted placeholder accepted")
	}
}

func TestParsePath(t *testing.T) {
	doc := map[string]any{"a": []any{map[string]any{"b c": "x", "n": 3.0}}, "0": "zero"}
	tests := []struct {
		path, want string
		err        bool
	}{
		{"a[0]['b c']", "x", false},
		{"$.a.0.n", "3", false},
		{"a[0]", `{"b c":"x","n":3}`, false},
		{"0", "zero", false},
		{"a[5]", "", true},
		{"a.b", "", true},
		{"a[", "", true},
		{"a..b", "", true},
		{"", "", true},
		{"a[-1]", "", true},
	}
	for _, tt := range tests {
		steps, err := ParsePath(tt.path)
		if err == nil {
			var got string
			got, err = Extract(doc, steps)
			if err == nil && got != tt.want {
				t.Errorf("%q = %q, want %q", tt.path, got, tt.want)
			}
		}
		if (err != nil) != tt.err {
			t.Errorf("%q: err = %v, want error %v", tt.path, err, tt.err)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$.choices[0].message.content", "a['b']", "x.0.y", "[", "a[99999999999999999999]"} {
		f.Add(s)
	}
	doc := map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "x"}}}}
	f.Fuzz(func(t *testing.T, p string) {
		steps, err := ParsePath(p)
		if err != nil {
			return
		}
		if len(steps) > maxPathSteps {
			t.Fatalf("%d steps", len(steps))
		}
		Extract(doc, steps)
	})
}

func FuzzParseSSE(f *testing.F) {
	f.Add("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n")
	f.Add("data: [DONE]\n")
	f.Add(": comment\nevent: x\ndata: {}\n")
	f.Fuzz(func(t *testing.T, s string) {
		parseSSE(strings.NewReader(s), 1<<16)
	})
}

func TestCommandTarget(t *testing.T) {
	tg, err := New(Config{Provider: "command", Command: []string{"tr", "a-z", "A-Z"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tg.Send(context.Background(), req("hello"))
	if err != nil || rep.Text != "HELLO" {
		t.Fatalf("reply = %+v, %v", rep, err)
	}
	slow, _ := New(Config{Provider: "command", Command: []string{"sleep", "10"}, Timeout: 100 * time.Millisecond}, nil)
	if _, err := slow.Send(context.Background(), req("x")); err == nil {
		t.Error("timeout ignored")
	}
	big, _ := New(Config{Provider: "command", Command: []string{"head", "-c", "5000", "/dev/zero"}, MaxResponseBytes: 100}, nil)
	if _, err := big.Send(context.Background(), req("x")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized output: %v", err)
	}
	if _, err := New(Config{Provider: "command"}, nil); err == nil {
		t.Error("empty command accepted")
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []Config{{Provider: "nope", URL: "http://x"}, {Provider: "openai"}, {Provider: "openai", URL: "ftp://x"}} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestAnthropicStreaming(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body anRequest
		json.NewDecoder(r.Body).Decode(&body)
		if !body.Stream {
			http.Error(w, "not streaming", 400)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, e := range []string{
			`{"type":"message_start","message":{"usage":{"input_tokens":12}}}`,
			`{"type":"content_block_start","index":0,"content_block":{"type":"text"}}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi "}}`,
			`{"type":"ping"}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"there"}}`,
			`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","name":"refund"}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"amount\":"}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"5}"}}`,
			`{"type":"message_delta","usage":{"output_tokens":7}}`,
			`{"type":"message_stop"}`,
		} {
			fmt.Fprintf(w, "event: x\ndata: %s\n\n", e)
		}
	}))
	defer srv.Close()
	tg, _ := New(Config{Provider: "anthropic", URL: srv.URL + "/v1", APIKey: "k", Stream: true}, nil)
	rep, err := tg.Send(context.Background(), req("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Text != "Hi there" || rep.Usage.InputTokens != 12 || rep.Usage.OutputTokens != 7 || len(rep.ToolCalls) != 1 || rep.ToolCalls[0].Arguments != `{"amount":5}` {
		t.Errorf("reply = %+v", rep)
	}
	for name, body := range map[string]string{
		"no stop": "data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1}}}\n",
		"error":   "data: {\"type\":\"error\",\"error\":{\"message\":\"overloaded\"}}\n",
		"garbage": "data: {nope\n",
	} {
		if _, err := parseAnthropicSSE(strings.NewReader(body), 1<<20); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseAnthropicSSE(f *testing.F) {
	f.Add("data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\ndata: {\"type\":\"message_stop\"}\n")
	f.Add("data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\"}}\n")
	f.Fuzz(func(t *testing.T, s string) {
		parseAnthropicSSE(strings.NewReader(s), 1<<16)
	})
}
