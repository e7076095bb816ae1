package detect

import (
	"strings"
	"testing"
)

func TestCheckRules(t *testing.T) {
	good := ruleSpec{ID: "T1", Category: PromptInjection, Type: "t", Weight: 0.5, Slots: []string{"ignore", "rules"}, Gaps: []int{1}}
	tok := func(id string, cat Category, w float64, slots []string, gaps ...int) ruleSpec {
		return ruleSpec{ID: id, Category: cat, Type: "t", Weight: w, Slots: slots, Gaps: gaps}
	}
	sub := func(window int, subs ...string) ruleSpec {
		return ruleSpec{ID: "T3", Category: PromptInjection, Type: "t", Weight: 0.5, Window: window, Subs: subs}
	}
	tests := []struct {
		name  string
		specs []ruleSpec
		want  string
	}{
		{"good", []ruleSpec{good, {ID: "T2", Category: PromptInjection, Type: "t", Weight: 0.5, Window: 30, Subs: []string{"忽略", "指令"}}}, ""},
		{"missing gap", []ruleSpec{tok("T3", PromptInjection, 0.5, []string{"ignore", "rules"})}, "0 gaps for 2 slots"},
		{"too many gaps", []ruleSpec{tok("T3", PromptInjection, 0.5, []string{"a"}, 1)}, "1 gaps for 1 slots"},
		{"negative gap", []ruleSpec{tok("T3", PromptInjection, 0.5, []string{"a", "b"}, -1)}, "negative gap"},
		{"empty slot", []ruleSpec{tok("T3", PromptInjection, 0.5, []string{"ignore", "—"}, 0)}, "no words"},
		{"no slots", []ruleSpec{tok("T3", PromptInjection, 0.5, nil)}, "no slots"},
		{"no id", []ruleSpec{tok("", PromptInjection, 0.5, []string{"x"})}, "no id"},
		{"no category", []ruleSpec{tok("T3", "", 0.5, []string{"x"})}, "no category"},
		{"weight", []ruleSpec{tok("T3", PromptInjection, 1.5, []string{"x"})}, "weight"},
		{"both kinds", []ruleSpec{{ID: "T3", Category: PromptInjection, Weight: 0.5, Slots: []string{"x"}, Subs: []string{"y"}, Window: 3}}, "both token slots and substrings"},
		{"no window", []ruleSpec{sub(0, "a")}, "without a window"},
		{"empty alternative", []ruleSpec{sub(9, "a|")}, "empty alternative"},
		{"duplicate", []ruleSpec{good, good}, "duplicate id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRules(buildRules(tt.specs)...)
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
	if err := checkRules(buildRules(injectionRules, jailbreakRules, extractionRules, metaRules)...); err != nil {
		t.Fatalf("built-in tables: %v", err)
	}
}
