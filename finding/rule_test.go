package finding

import (
	"strings"
	"testing"
)

func TestRuleValidate(t *testing.T) {
	good := Rule{ID: "X001", Title: "t", Severity: High, Pillar: "p", Remediation: "fix"}
	tests := []struct {
		name string
		edit func(*Rule)
		want string
	}{
		{"good", func(*Rule) {}, ""},
		{"no id", func(r *Rule) { r.ID = "" }, "no id"},
		{"spaced id", func(r *Rule) { r.ID = "X 1" }, "id has spaces"},
		{"no title", func(r *Rule) { r.Title = "" }, "no title"},
		{"bad severity", func(r *Rule) { r.Severity = Critical + 1 }, "invalid severity"},
		{"no pillar", func(r *Rule) { r.Pillar = "" }, "no pillar"},
		{"no remediation", func(r *Rule) { r.Remediation = "" }, "no remediation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			err := r.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	var c Catalog
	a := Rule{ID: "B1", Title: "b", Severity: Low, Pillar: "z", Remediation: "r"}
	b := Rule{ID: "A1", Title: "a", Severity: High, Pillar: "z", Remediation: "r"}
	d := Rule{ID: "C1", Title: "c", Severity: High, Pillar: "a", Remediation: "r"}
	if err := c.Add(a, b, d); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(Rule{ID: "A1", Title: "x", Pillar: "q", Remediation: "r"}); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("duplicate id: err = %v", err)
	}
	if err := c.Add(Rule{ID: "N1", Title: "n", Pillar: "q", Remediation: "r"}, Rule{ID: "N1", Title: "n", Pillar: "q", Remediation: "r"}); err == nil {
		t.Fatal("duplicate within one call accepted")
	}
	if err := c.Add(Rule{ID: "E1", Pillar: "q", Remediation: "r"}); err == nil {
		t.Fatal("invalid rule accepted")
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d after rejected adds, want 3", c.Len())
	}
	if r, ok := c.Lookup("A1"); !ok || r.Title != "a" {
		t.Fatalf("Lookup(A1) = %+v, %v", r, ok)
	}
	if _, ok := c.Lookup("N1"); ok {
		t.Fatal("rule of a rejected call was added")
	}
	var ids []string
	for _, r := range c.Rules() {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, ","); got != "C1,A1,B1" {
		t.Fatalf("Rules order = %s", got)
	}
}

func TestRuleApply(t *testing.T) {
	r := Rule{ID: "X1", Title: "t", Severity: Critical, Pillar: "p", Category: "c", Remediation: "fix",
		Taxonomy: Taxonomy{CWE: []string{"CWE-502"}}}
	f := r.Finding()
	if f.RuleID != "X1" || f.Title != "t" || f.Severity != Critical || f.Category != "c" || f.Remediation != "fix" || f.Taxonomy.CWE[0] != "CWE-502" {
		t.Fatalf("Finding = %+v", f)
	}
}

func TestIndex(t *testing.T) {
	m := Index([]Rule{{ID: "A", Title: "a"}, {ID: "B", Title: "b"}})
	if len(m) != 2 || m["B"].Title != "b" {
		t.Fatalf("Index = %v", m)
	}
	if r := m["missing"]; r.ID != "" {
		t.Fatalf("missing id gives %+v", r)
	}
}
