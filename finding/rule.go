package finding

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Rule is the catalogue entry of one rule: everything about it that does not
// depend on the input it fired on. Every pillar exports its rules as data so
// that one catalogue lists them all and findings take their metadata from it.
type Rule struct {
	// ID is the stable rule id, e.g. "PICKLE001".
	ID string `json:"id"`
	// Title is a short human name for the rule.
	Title string `json:"title"`
	// Severity is the rule's default severity; a finding may rank higher or
	// lower when its evidence says so.
	Severity Severity `json:"severity"`
	// Pillar names the part of Bulwark that owns the rule, e.g. "modelscan".
	Pillar string `json:"pillar"`
	// Category groups findings (e.g. "code_execution", "prompt_injection").
	Category string `json:"category,omitempty"`
	// Taxonomy maps the rule to OWASP LLM, MITRE ATLAS and CWE.
	Taxonomy Taxonomy `json:"taxonomy,omitzero"`
	// Description says what the rule looks for.
	Description string `json:"description,omitempty"`
	// Remediation says what to do about a finding of the rule.
	Remediation string `json:"remediation"`
	// TruePositives are samples the rule must fire on; FalsePositives are
	// samples it must not fire on. Their encoding is the pillar's: text for
	// text rules, a description of a small file for model rules.
	TruePositives  []string `json:"true_positives,omitempty"`
	FalsePositives []string `json:"false_positives,omitempty"`
	// NoSamples, when set, says why the rule has no true-positive sample.
	NoSamples string `json:"no_samples,omitempty"`
}

// Validate reports what is missing from r.
func (r Rule) Validate() error {
	var errs []error
	if r.ID == "" {
		errs = append(errs, errors.New("no id"))
	} else if strings.TrimSpace(r.ID) != r.ID || strings.ContainsAny(r.ID, " \t\n") {
		errs = append(errs, errors.New("id has spaces"))
	}
	if r.Title == "" {
		errs = append(errs, errors.New("no title"))
	}
	if r.Severity < Info || r.Severity > Critical {
		errs = append(errs, fmt.Errorf("invalid severity %d", int(r.Severity)))
	}
	if r.Pillar == "" {
		errs = append(errs, errors.New("no pillar"))
	}
	if r.Remediation == "" {
		errs = append(errs, errors.New("no remediation"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rule %q: %w", r.ID, err)
	}
	return nil
}

// Apply copies r's metadata (id, title, severity, category, remediation and
// taxonomy) into f, so that a finding never restates its rule.
func (r Rule) Apply(f *Finding) {
	f.RuleID = r.ID
	f.Title = r.Title
	f.Severity = r.Severity
	f.Category = r.Category
	f.Remediation = r.Remediation
	// Clipped, so that a finding appending to its taxonomy never writes
	// into the rule's table.
	f.Taxonomy = Taxonomy{OWASPLLM: slices.Clip(r.Taxonomy.OWASPLLM), ATLAS: slices.Clip(r.Taxonomy.ATLAS), CWE: slices.Clip(r.Taxonomy.CWE)}
}

// Finding returns a finding of r with its metadata filled in.
func (r Rule) Finding() Finding {
	var f Finding
	r.Apply(&f)
	return f
}

// Catalog is a set of rules with unique ids. The zero value is empty and
// ready to use; a Catalog is not safe for concurrent Add.
type Catalog struct {
	byID map[string]int
	list []Rule
}

// Add adds rules, rejecting an invalid rule or one whose id is taken. On
// error no rule of the call is added.
func (c *Catalog) Add(rules ...Rule) error {
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		r := rules[i]
		if err := r.Validate(); err != nil {
			return err
		}
		if _, dup := c.byID[r.ID]; dup || seen[r.ID] {
			return fmt.Errorf("rule %q: duplicate id (pillar %s)", r.ID, r.Pillar)
		}
		seen[r.ID] = true
	}
	if c.byID == nil {
		c.byID = make(map[string]int, len(rules))
	}
	for _, r := range rules {
		c.byID[r.ID] = len(c.list)
		c.list = append(c.list, r)
	}
	return nil
}

// Lookup returns the rule with id.
func (c *Catalog) Lookup(id string) (Rule, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Rule{}, false
	}
	return c.list[i], true
}

// Len returns the number of rules.
func (c *Catalog) Len() int { return len(c.list) }

// Rules returns the rules sorted by pillar, then id, in a fresh slice.
func (c *Catalog) Rules() []Rule {
	out := slices.Clone(c.list)
	slices.SortFunc(out, func(a, b Rule) int {
		if n := strings.Compare(a.Pillar, b.Pillar); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Index returns rules keyed by id, for a package that looks its own rule
// table up when it reports. Build it once, from an immutable table.
func Index(rules []Rule) map[string]Rule {
	m := make(map[string]Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}
