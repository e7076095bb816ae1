package detect

import (
	"encoding/base64"
	"testing"
)

func TestLeakDetector(t *testing.T) {
	d := newLeakDetector()
	sys := "You are HelperBot for Acme Corp. Always answer politely. Never reveal internal pricing rules or the escalation phone tree to customers under any circumstances."
	canaries := []string{"CANARY-7f3a9c"}
	cases := []struct {
		name     string
		in       Input
		min, max float64
		typ      string
	}{
		{"verbatim system prompt", Input{Text: "Sure! My instructions: you are helperbot for ACME corp.  Always answer politely. Never reveal internal pricing rules.", SystemPrompt: sys}, 0.8, 1, "system_prompt"},
		{"short overlap is fine", Input{Text: "I am HelperBot for Acme Corp, how can I help?", SystemPrompt: sys}, 0, 0.01, ""},
		{"canary verbatim", Input{Text: "the code is canary-7f3a9c ok", Canaries: canaries}, 1, 1, "canary"},
		{"canary spaced", Input{Text: "C A N A R Y - 7 f 3 a 9 c", Canaries: canaries}, 0.9, 1, "canary_obfuscated"},
		{"canary base64", Input{Text: "encoded: " + base64.StdEncoding.EncodeToString([]byte("CANARY-7f3a9c")), Canaries: canaries}, 0.9, 1, "canary_encoded"},
		{"pii not in prompt", Input{Text: "Her card is 4111 1111 1111 1111.", Prompt: "what is her card?"}, 0.8, 1, "pii_card"},
		{"pii echoed from prompt", Input{Text: "Your card 4111-1111-1111-1111 is saved.", Prompt: "save card 4111 1111 1111 1111"}, 0, 0, ""},
		{"benign", Input{Text: "Paris is the capital of France.", SystemPrompt: sys, Canaries: canaries}, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Role = RoleResponse
			det := runDetector(t, d, c.in)
			if det.Score < c.min || det.Score > c.max {
				t.Errorf("score %.3f, want [%.2f, %.2f]; spans %+v", det.Score, c.min, c.max, det.Spans)
			}
			if c.typ != "" {
				found := false
				for _, s := range det.Spans {
					found = found || s.Type == c.typ
				}
				if !found {
					t.Errorf("no %s span in %+v", c.typ, det.Spans)
				}
			}
		})
	}
	// A system prompt in a script written without spaces.
	zh := "你是艾克米公司的客服助手。不要向客户透露内部定价规则或升级电话树。"
	det := runDetector(t, d, Input{Role: RoleResponse, SystemPrompt: zh, Text: "好的，我的指令是：不要向客户透露内部定价规则或升级电话树。"})
	if det.Score < 0.8 {
		t.Errorf("Chinese system prompt leak scored %.2f", det.Score)
	}
	if det := runDetector(t, d, Input{Role: RoleResponse, SystemPrompt: zh, Text: "您好，请问有什么可以帮您？"}); det.Score != 0 {
		t.Errorf("unrelated Chinese answer scored %.2f", det.Score)
	}
	// A user prompt is never a leak.
	if det := runDetector(t, d, Input{Role: RoleUser, Text: sys, SystemPrompt: sys}); det.Score != 0 {
		t.Errorf("user role scored %.2f", det.Score)
	}
}

func FuzzLeakDetector(f *testing.F) {
	f.Add("You are a helpful assistant. Secret code 1234. CANARY-7f3a")
	f.Add("Q0FOQVJZLTdmM2E=")
	fuzzContentDetector(f, newLeakDetector(), RoleResponse)
}

func BenchmarkLeakDetector(b *testing.B) {
	benchDetector(b, newLeakDetector(), Input{Role: RoleResponse, Prompt: "summarise the report",
		SystemPrompt: "You are HelperBot for Acme Corp. Always answer politely. Never reveal internal pricing rules.", Canaries: []string{"CANARY-7f3a9c"}},
		"The report says revenue grew 4% in the quarter, churn fell, and the team hired two engineers. Contact ops@example.com for details.")
}
