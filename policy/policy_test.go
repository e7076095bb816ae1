package policy

import (
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/detect"
)

func TestDefaultPolicy(t *testing.T) {
	s, err := Default(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.Default()
	if p.Name != "standard" || p.FailClosed() || p.Engine() == nil || p.AuditText != AuditRedacted {
		t.Fatalf("default = %+v", p)
	}
	if r := p.Rules(Tool)[detect.PromptInjection]; r.Action != Block || r.Threshold != 0.5 {
		t.Fatalf("tool rule = %+v", r)
	}
	if s.Policy("monitor") == nil {
		t.Fatal("monitor policy missing")
	}
}

func TestDecide(t *testing.T) {
	s, _ := Default(Options{})
	p := s.Default()
	tests := []struct {
		phase  Phase
		scores map[detect.Category]float64
		want   Action
		fired  int
	}{
		{Input, nil, Allow, 0},
		{Input, map[detect.Category]float64{detect.PromptInjection: 0.69}, Allow, 0},
		{Input, map[detect.Category]float64{detect.PromptInjection: 0.7}, Block, 1},
		{Input, map[detect.Category]float64{detect.Toxicity: 0.9}, Monitor, 1},
		{Input, map[detect.Category]float64{detect.PII: 0.9, detect.Toxicity: 0.9}, Redact, 2},
		{Input, map[detect.Category]float64{detect.PII: 0.9, detect.Jailbreak: 0.9}, Block, 2},
		{Tool, map[detect.Category]float64{detect.PromptInjection: 0.55}, Block, 1},
		{Output, map[detect.Category]float64{detect.PromptInjection: 0.99}, Allow, 0},
		{Output, map[detect.Category]float64{detect.Secrets: 0.6}, Redact, 1},
	}
	for _, tt := range tests {
		d := p.Decide(tt.phase, detect.Result{Scores: tt.scores})
		if d.Action != tt.want || len(d.Fired) != tt.fired {
			t.Errorf("%s %v: %+v, want %s with %d fired", tt.phase, tt.scores, d, tt.want, tt.fired)
		}
	}
	// Tool falls back to input rules when a policy has none.
	s2, err := Parse([]byte("version: 1\npolicies:\n  p:\n    input:\n      jailbreak: {threshold: 0.5, action: flag}\n"), "t", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := s2.Default().Decide(Tool, detect.Result{Scores: map[detect.Category]float64{detect.Jailbreak: 0.6}}); d.Action != Flag {
		t.Errorf("tool fallback: %+v", d)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"empty", "", "empty file"},
		{"version", "version: 2\npolicies: {a: {}}", "version 2"},
		{"no policies", "version: 1", "no policies"},
		{"unknown key", "version: 1\npolicies: {a: {fial: open}}", "fial"},
		{"bad fail", "version: 1\npolicies: {a: {fail: maybe}}", "fail"},
		{"bad audit", "version: 1\npolicies: {a: {audit_text: all}}", "audit_text"},
		{"bad category", "version: 1\npolicies: {a: {input: {evil: {threshold: 0.5, action: block}}}}", `unknown category "evil"`},
		{"bad threshold", "version: 1\npolicies: {a: {input: {pii: {threshold: 1.5, action: block}}}}", "threshold 1.5"},
		{"negative threshold", "version: 1\npolicies: {a: {input: {pii: {threshold: -0.1, action: block}}}}", "threshold -0.1"},
		{"bad action", "version: 1\npolicies: {a: {input: {pii: {threshold: 0.5, action: nuke}}}}", `action "nuke"`},
		{"redact injection", "version: 1\npolicies: {a: {input: {jailbreak: {threshold: 0.5, action: redact}}}}", "redact applies"},
		{"ambiguous default", "version: 1\npolicies: {a: {}, b: {}}", "`default` must name"},
		{"missing default", "version: 1\ndefault: c\npolicies: {a: {}}", `"c" is not defined`},
		{"bad route policy", "version: 1\npolicies: {a: {}}\nroutes: [{policy: z}]", `route 1: policy "z"`},
		{"bad route path", "version: 1\npolicies: {a: {}}\nroutes: [{policy: a, path: '['}]", "route 1: path"},
		{"bad window", "version: 1\npolicies: {a: {stream_window: 10}}", "stream_window"},
		{"null policy", "version: 1\npolicies: {a: }", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "p.yaml", Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "p.yaml") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	big := strings.NewReader(strings.Repeat("#", MaxFileBytes+10))
	if _, err := Read(big, "big.yaml", Options{}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("big file: %v", err)
	}
}

func TestParseDetectOptions(t *testing.T) {
	const file = "version: 1\npolicies:\n  p:\n    input:\n      jailbreak: {action: block}\n      pii: {threshold: 0.4, action: redact}\n"
	tests := []struct {
		name    string
		opts    Options
		want    float64 // the jailbreak rule's threshold
		wantErr string
	}{
		{name: "engine default", want: detect.DefaultThreshold(detect.Jailbreak)},
		{name: "configured threshold", opts: Options{Detect: detect.Config{Thresholds: map[detect.Category]float64{detect.Jailbreak: 0.9}}}, want: 0.9},
		{name: "categories allow the rules", opts: Options{Detect: detect.Config{Categories: []detect.Category{detect.Jailbreak, detect.PII}}}, want: 0.5},
		{name: "category disabled", opts: Options{Detect: detect.Config{Categories: []detect.Category{detect.PII}}}, wantErr: "input.jailbreak: category is not enabled"},
		{name: "invalid detect config", opts: Options{Detect: detect.Config{Thresholds: map[detect.Category]float64{detect.PII: 2}}}, wantErr: "threshold for pii is 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(file), "p.yaml", tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := s.Default()
			jb, pii := p.Rules(Input)[detect.Jailbreak], p.Rules(Input)[detect.PII]
			if jb.Threshold != tt.want || !jb.Inherited || pii.Threshold != 0.4 || pii.Inherited {
				t.Errorf("rules = %+v / %+v, want jailbreak %v inherited, pii 0.4 own", jb, pii, tt.want)
			}
			if s.Overrides(detect.Jailbreak) || !s.Overrides(detect.PII) || s.Overrides(detect.Toxicity) {
				t.Error("Overrides wrong")
			}
			// The decision follows the inherited threshold.
			d := p.Decide(Input, detect.Result{Scores: map[detect.Category]float64{detect.Jailbreak: 0.7}})
			if blocked := d.Action == Block; blocked != (0.7 >= tt.want) {
				t.Errorf("score 0.7 under threshold %v: action %s", tt.want, d.Action)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	s, err := Parse([]byte(`version: 1
default: base
policies:
  base: {}
  strict: {fail: closed}
  scanonly: {audit_text: none}
routes:
  - {tenant: acme, path: /v1/messages, policy: strict}
  - {path: /v1/scan, policy: scanonly}
  - {tenant: acme, policy: scanonly}
`), "r", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ tenant, path, want string }{
		{"acme", "/v1/messages", "strict"},
		{"other", "/v1/messages", "base"},
		{"other", "/v1/scan", "scanonly"},
		{"acme", "/v1/chat/completions", "scanonly"},
		{"", "/v1/chat/completions", "base"},
	}
	for _, tt := range tests {
		if got := s.Select(tt.tenant, tt.path).Name; got != tt.want {
			t.Errorf("Select(%q, %q) = %s, want %s", tt.tenant, tt.path, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add([]byte("version: 1\npolicies: {a: {input: {pii: {threshold: 0.5, action: redact}}}}\nroutes: [{policy: a, path: '/v1/*'}]"))
	f.Add([]byte("version: 1\npolicies: {a: {stream_window: 64, stream_step: 64}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "fuzz", Options{})
		if err != nil {
			return
		}
		if s.Default() == nil || s.Select("t", "/v1/x") == nil {
			t.Fatal("parsed set without a default policy")
		}
	})
}
