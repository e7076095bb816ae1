package detect

import (
	"strings"
	"testing"
)

func TestCheckRules(t *testing.T) {
	good := func() *rule { return tr(PromptInjection, "T1", "t", 0.5, "ignore", 1, "rules") }
	tests := []struct {
		name  string
		rules []*rule
		want  string
	}{
		{"good", []*rule{good(), sr(PromptInjection, "T2", "t", 0.5, 30, "忽略", "指令")}, ""},
		{"leading gap", []*rule{tr(PromptInjection, "T3", "t", 0.5, 2, "ignore")}, "gap without a slot"},
		{"double gap", []*rule{tr(PromptInjection, "T3", "t", 0.5, "ignore", 1, 2, "rules")}, "gap without a slot"},
		{"bad argument", []*rule{tr(PromptInjection, "T3", "t", 0.5, "ignore", 1.5)}, "neither a slot nor a gap"},
		{"empty slot", []*rule{tr(PromptInjection, "T3", "t", 0.5, "ignore", "—")}, "no words"},
		{"no slots", []*rule{tr(PromptInjection, "T3", "t", 0.5)}, "no slots"},
		{"no id", []*rule{tr(PromptInjection, "", "t", 0.5, "x")}, "no id"},
		{"no category", []*rule{tr("", "T3", "t", 0.5, "x")}, "no category"},
		{"weight", []*rule{tr(PromptInjection, "T3", "t", 1.5, "x")}, "weight"},
		{"negative gap", []*rule{ruleSpec{ID: "T3", Category: PromptInjection, Slots: []string{"a", "b"}, Gaps: []int{-1}}.build()}, "negative gap"},
		{"too many gaps", []*rule{ruleSpec{ID: "T3", Category: PromptInjection, Slots: []string{"a"}, Gaps: []int{1}}.build()}, "1 gaps for 1 slots"},
		{"no window", []*rule{sr(PromptInjection, "T3", "t", 0.5, 0, "a")}, "without a window"},
		{"empty alternative", []*rule{sr(PromptInjection, "T3", "t", 0.5, 9, "a|")}, "empty alternative"},
		{"duplicate", []*rule{good(), good()}, "duplicate id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRules(tt.rules)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("checkRules = %v, want %q", err, tt.want)
			}
		})
	}
	if err := checkRules(injectionRules, jailbreakRules, extractionRules, metaRules); err != nil {
		t.Fatalf("built-in tables: %v", err)
	}
}

func TestRuleSpecMatchesTr(t *testing.T) {
	// A table entry and the equivalent tr call compile to the same rule.
	a := tr(Jailbreak, "T", "t", 0.5, "you are|act as", 2, "dan*")
	b := ruleSpec{ID: "T", Category: Jailbreak, Type: "t", Weight: 0.5, Slots: []string{"you are|act as", "dan*"}, Gaps: []int{2}}.build()
	rs := compile([]*rule{a}, []*rule{b})
	hits := rs.match("you are now dan", tokenize("you are now dan", nil), nil)
	if len(hits) != 2 || a.err != nil || b.err != nil {
		t.Fatalf("hits = %d (errs %v, %v), want 2", len(hits), a.err, b.err)
	}
}
