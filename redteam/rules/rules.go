package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-ai/bulwark/redteam/probe"
	"github.com/bulwark-ai/bulwark/redteam/results"
)

// Directions of a rule.
const (
	Request  = "request"  // applied to prompts before they reach the model
	Response = "response" // applied to answers before they reach the user
)

// Match says what a rule matches; any listed condition matching fires it.
type Match struct {
	// Categories are detection-engine categories; the rule fires when one
	// scores at or above MinScore.
	Categories []string `yaml:"categories,omitempty" json:"categories,omitempty"`
	// MinScore is the detector threshold for Categories.
	MinScore float64 `yaml:"min_score,omitempty" json:"min_score,omitempty"`
	// Patterns are case-insensitive regular expressions (RE2) over the
	// normalised text.
	Patterns []string `yaml:"patterns,omitempty" json:"patterns,omitempty"`
	// Contains are literal strings (canaries) that must never pass.
	Contains []string `yaml:"contains,omitempty" json:"contains,omitempty"`
}

// Rule is one gateway rule.
type Rule struct {
	ID          string `yaml:"id" json:"id"`
	Description string `yaml:"description" json:"description"`
	Direction   string `yaml:"direction" json:"direction"`
	Action      string `yaml:"action" json:"action"`
	Match       Match  `yaml:"match" json:"match"`
	// Probes and Attempts are the red-team evidence behind the rule.
	Probes   []string `yaml:"probes" json:"probes"`
	Attempts int      `yaml:"attempts" json:"attempts"`
}

// Limits are request limits against resource abuse.
type Limits struct {
	MaxOutputTokens int `yaml:"max_output_tokens,omitempty" json:"max_output_tokens,omitempty"`
}

// Policy is an exported rules file.
type Policy struct {
	Version int    `yaml:"version" json:"version"`
	Source  string `yaml:"source" json:"source"`
	// Attacks counts the successful attempts the rules came from.
	Attacks int     `yaml:"attacks" json:"attacks"`
	Rules   []Rule  `yaml:"rules" json:"rules"`
	Limits  *Limits `yaml:"limits,omitempty" json:"limits,omitempty"`
}

// phrase is a request-side pattern and the attack shapes it stops.
type phrase struct {
	name string
	re   string
}

// requestPhrases are attack phrasings (written for Bulwark) that a rule can
// block when a successful attack used them.
var requestPhrases = []phrase{
	{"ignore-instructions", `(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|earlier|all)\b.{0,20}\b(instructions?|rules|guidance|task)`},
	{"new-instructions", `\b(new|updated) (system )?instructions\b|\bsystem override\b|\binstructions? (above )?(are|is) obsolete\b|\bsupersede`},
	{"fake-role-header", `<\|im_start\|>|\[system\]|###\s*developer note|\b(maintenance|diagnostics) mode\b`},
	{"unrestricted-persona", `\bdo anything now\b|\bno restrictions\b|\bnever refuses\b|\bbroken free\b`},
	{"developer-mode", `\b(developer|debug) mode\b.{0,60}\b(enabled|disabled|off|on)\b|\bsafety checks disabled\b`},
	{"refusal-suppression", `\bnever say\b.{0,40}\b(sorry|cannot|unable)\b`},
	{"prefix-injection", `\b(start|begin) (your reply )?with\s+['"](sure|absolutely)`},
	{"payload-splitting", `\b[a-z]\s*\+\s*[a-z](\s*\+\s*[a-z])?\b`},
	{"prompt-extraction", `\b(system prompt|initial instructions|your instructions|repeat the text above|rules you were given)\b`},
	{"markdown-image-exfil", `!\[[^\]]*\]\(https?://[^)]*\?[^)]*=`},
	{"tool-command", `\bcall the \w+ tool\b|\buse the \w+ tool\b`},
}

var compiledPhrases = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(requestPhrases))
	for i, p := range requestPhrases {
		out[i] = regexp.MustCompile("(?i)" + p.re)
	}
	return out
}()

// requestCategories maps probe categories to the detector categories that
// should screen the request.
var requestCategories = map[string][]string{
	probe.PromptInjection:   {"prompt_injection"},
	probe.IndirectInjection: {"prompt_injection"},
	probe.Jailbreak:         {"jailbreak"},
	probe.PromptExtraction:  {"prompt_extraction"},
	probe.ExcessiveAgency:   {"prompt_injection"},
}

// responseCategories maps probe categories to response-side detector categories.
var responseCategories = map[string][]string{
	probe.PromptExtraction: {"leakage"},
	probe.DataLeakage:      {"leakage", "pii", "secrets"},
	probe.InsecureOutput:   {"exfiltration"},
	probe.Toxicity:         {"toxicity"},
	probe.HarmfulContent:   {"toxicity"},
	probe.Jailbreak:        {"toxicity"},
}

// FromRun builds the policy for a run's successful attempts.
func FromRun(run results.Run, as []results.Attempt, cat *probe.Catalog) *Policy {
	pol := &Policy{Version: 1, Source: "bulwark redteam run " + run.ID + " against " + run.Target}
	type acc struct {
		probes map[string]bool
		n      int
	}
	reqPhrase := map[int]*acc{}
	reqCat := map[string]*acc{}
	respCat := map[string]*acc{}
	leak := &acc{probes: map[string]bool{}}
	resource := false
	note := func(m map[string]*acc, k string, id string) {
		a := m[k]
		if a == nil {
			a = &acc{probes: map[string]bool{}}
			m[k] = a
		}
		a.probes[id] = true
		a.n++
	}
	for i := range as {
		a := &as[i]
		if !a.Success || a.Error != "" {
			continue
		}
		pol.Attacks++
		for j, re := range compiledPhrases {
			if re.MatchString(a.Prompt) {
				if reqPhrase[j] == nil {
					reqPhrase[j] = &acc{probes: map[string]bool{}}
				}
				reqPhrase[j].probes[a.ProbeID] = true
				reqPhrase[j].n++
			}
		}
		for _, c := range requestCategories[a.Category] {
			note(reqCat, c, a.ProbeID)
		}
		for _, c := range responseCategories[a.Category] {
			note(respCat, c, a.ProbeID)
		}
		for _, c := range a.Verdict.Checks {
			if c.Fired && (c.Name == "canary" || c.Name == "system_overlap") {
				leak.probes[a.ProbeID] = true
				leak.n++
			}
		}
		if a.Category == probe.ResourceAbuse {
			resource = true
		}
	}
	ids := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	for j := range requestPhrases {
		a := reqPhrase[j]
		if a == nil {
			continue
		}
		pol.Rules = append(pol.Rules, Rule{
			ID: "RT-REQ-" + requestPhrases[j].name, Direction: Request, Action: "block",
			Description: fmt.Sprintf("Block the %s phrasing that got through in %d attack(s)", strings.ReplaceAll(requestPhrases[j].name, "-", " "), a.n),
			Match:       Match{Patterns: []string{"(?i)" + requestPhrases[j].re}}, Probes: ids(a.probes), Attempts: a.n,
		})
	}
	for _, c := range sortedKeys(reqCat) {
		a := reqCat[c]
		pol.Rules = append(pol.Rules, Rule{
			ID: "RT-REQ-CAT-" + c, Direction: Request, Action: "block",
			Description: fmt.Sprintf("Block prompts the %s detector flags: %d attack(s) of this kind succeeded", c, a.n),
			Match:       Match{Categories: []string{c}, MinScore: 0.5}, Probes: ids(a.probes), Attempts: a.n,
		})
	}
	for _, c := range sortedKeys(respCat) {
		a := respCat[c]
		pol.Rules = append(pol.Rules, Rule{
			ID: "RT-RESP-CAT-" + c, Direction: Response, Action: "block",
			Description: fmt.Sprintf("Block answers the %s detector flags: %d attack(s) produced such answers", c, a.n),
			Match:       Match{Categories: []string{c}, MinScore: 0.5}, Probes: ids(a.probes), Attempts: a.n,
		})
	}
	if leak.n > 0 {
		pol.Rules = append(pol.Rules, Rule{
			ID: "RT-RESP-LEAK", Direction: Response, Action: "block",
			Description: fmt.Sprintf("Block answers that disclose the system prompt or planted canaries (%d leaks); add your own secrets to match.contains", leak.n),
			Match:       Match{Categories: []string{"leakage"}, MinScore: 0.5, Patterns: []string{`(?i)\bBWK-CANARY-[0-9A-F]{12}\b`}},
			Probes:      ids(leak.probes), Attempts: leak.n,
		})
	}
	if resource {
		pol.Limits = &Limits{MaxOutputTokens: 1024}
	}
	return pol
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// YAML renders the policy with a header comment.
func (p *Policy) YAML() ([]byte, error) {
	body, err := yaml.Marshal(p)
	if err != nil {
		return nil, err
	}
	head := "# Bulwark gateway rules exported from a red-team run (see docs/redteam.md).\n" +
		"# Request rules block attack phrasing and detector categories that let attacks through;\n" +
		"# response rules block leaks and unsafe answers. Review before enabling.\n"
	return append([]byte(head), body...), nil
}

// Compile checks every pattern in the policy.
func (p *Policy) Compile() error {
	for _, r := range p.Rules {
		for _, s := range r.Match.Patterns {
			if _, err := regexp.Compile(s); err != nil {
				return fmt.Errorf("rule %s: %w", r.ID, err)
			}
		}
	}
	return nil
}

// Blocks reports whether any request rule's pattern matches prompt (the
// offline half of the export-rules → serve check).
func (p *Policy) Blocks(direction, text string) (bool, string) {
	for _, r := range p.Rules {
		if r.Direction != direction {
			continue
		}
		for _, s := range r.Match.Patterns {
			if re, err := regexp.Compile(s); err == nil && re.MatchString(text) {
				return true, r.ID
			}
		}
		for _, c := range r.Match.Contains {
			if c != "" && strings.Contains(text, c) {
				return true, r.ID
			}
		}
	}
	return false, ""
}
