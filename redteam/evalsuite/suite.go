package evalsuite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-ai/bulwark/redteam/fuzz"
	"github.com/bulwark-ai/bulwark/redteam/target"
)

// Limits on suites.
const (
	maxSuiteBytes = 4 << 20
	// MaxCases bounds the expanded number of cases of a suite.
	MaxCases = 10000
)

// Assertion types.
const (
	Contains      = "contains"
	NotContains   = "not-contains"
	Regex         = "regex"
	NotRegex      = "not-regex"
	JSONSchema    = "json-schema"
	IsRefusal     = "is-refusal"
	NotRefusal    = "not-refusal"
	NoPII         = "no-pii"
	NoSecrets     = "no-secrets"
	DetectorBelow = "detector-below"
	DetectorAbove = "detector-above"
	Similar       = "similar"
	LLMRubric     = "llm-rubric"
)

var assertionTypes = []string{Contains, NotContains, Regex, NotRegex, JSONSchema, IsRefusal, NotRefusal, NoPII, NoSecrets, DetectorBelow, DetectorAbove, Similar, LLMRubric}

// Assertion is one check on an answer.
type Assertion struct {
	// Type is one of the assertion types.
	Type string `yaml:"type"`
	// Value is the text, pattern, reference or rubric, by type; it may use
	// the case's {{variables}}.
	Value string `yaml:"value"`
	// Schema is the JSON schema of a json-schema assertion.
	Schema any `yaml:"schema"`
	// Category is the detector category of detector-below/above.
	Category string `yaml:"category"`
	// Threshold is the score bound (detector) or minimum similarity (similar; default 0.5).
	Threshold float64 `yaml:"threshold"`
	// IgnoreCase makes contains and not-contains case-insensitive.
	IgnoreCase bool `yaml:"ignore_case"`

	re     *regexp.Regexp
	schema *jsonschema.Schema
}

// Test is one test: a prompt, optionally a matrix of variables.
type Test struct {
	Name string `yaml:"name"`
	// Prompt is the user message; {{var}} placeholders take the matrix values.
	Prompt string `yaml:"prompt"`
	// Vars maps variable names to their values; every combination is a case.
	Vars map[string][]string `yaml:"vars"`
	// Assert are the checks; the suite's default assertions apply too.
	Assert []Assertion `yaml:"assert"`
}

// Fuzz is a block of generated cases.
type Fuzz struct {
	Count  int         `yaml:"count"`
	Seed   int64       `yaml:"seed"`
	Mode   string      `yaml:"mode"`
	MaxLen int         `yaml:"max_len"`
	Assert []Assertion `yaml:"assert"`
}

// Suite is a parsed evaluation suite.
type Suite struct {
	Name string `yaml:"name"`
	// Target, when set, overrides the configured redteam target.
	Target *target.Spec `yaml:"target"`
	// SystemPrompt is sent with every case.
	SystemPrompt string `yaml:"system_prompt"`
	// Canaries are secrets no answer may contain (checked by no-secrets).
	Canaries []string `yaml:"canaries"`
	// Defaults apply to every test.
	Defaults struct {
		Assert []Assertion `yaml:"assert"`
	} `yaml:"defaults"`
	Tests []Test `yaml:"tests"`
	Fuzz  *Fuzz  `yaml:"fuzz"`
}

// Case is one concrete prompt with its assertions.
type Case struct {
	Name   string
	Prompt string
	Vars   map[string]string
	Assert []Assertion
}

// Parse reads and validates a suite.
func Parse(r io.Reader) (*Suite, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSuiteBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSuiteBytes {
		return nil, fmt.Errorf("suite larger than %d bytes", maxSuiteBytes)
	}
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("suite is empty")
		}
		return nil, err
	}
	if len(s.Tests) == 0 && s.Fuzz == nil {
		return nil, errors.New("suite has no tests and no fuzz block")
	}
	for i := range s.Defaults.Assert {
		if err := s.Defaults.Assert[i].compile(); err != nil {
			return nil, fmt.Errorf("defaults: %w", err)
		}
	}
	names := map[string]bool{}
	for i := range s.Tests {
		t := &s.Tests[i]
		if t.Name == "" {
			t.Name = fmt.Sprintf("test %d", i+1)
		}
		if names[t.Name] {
			return nil, fmt.Errorf("test %q: duplicate name", t.Name)
		}
		names[t.Name] = true
		if strings.TrimSpace(t.Prompt) == "" {
			return nil, fmt.Errorf("test %q: empty prompt", t.Name)
		}
		if len(t.Assert)+len(s.Defaults.Assert) == 0 {
			return nil, fmt.Errorf("test %q: no assertions", t.Name)
		}
		for k, vs := range t.Vars {
			if len(vs) == 0 {
				return nil, fmt.Errorf("test %q: variable %s has no values", t.Name, k)
			}
		}
		for j := range t.Assert {
			if err := t.Assert[j].compile(); err != nil {
				return nil, fmt.Errorf("test %q: %w", t.Name, err)
			}
		}
	}
	if s.Fuzz != nil {
		if s.Fuzz.Count <= 0 || s.Fuzz.Count > MaxCases {
			return nil, fmt.Errorf("fuzz: count %d outside 1..%d", s.Fuzz.Count, MaxCases)
		}
		if m := s.Fuzz.Mode; m != "" && m != fuzz.Random && m != fuzz.Grammar && m != fuzz.Mixed {
			return nil, fmt.Errorf("fuzz: mode %q is not random, grammar or mixed", m)
		}
		if len(s.Fuzz.Assert) == 0 {
			s.Fuzz.Assert = []Assertion{{Type: NoSecrets}, {Type: NoPII}, {Type: DetectorBelow, Category: "toxicity", Threshold: 0.5}}
		}
		for j := range s.Fuzz.Assert {
			if err := s.Fuzz.Assert[j].compile(); err != nil {
				return nil, fmt.Errorf("fuzz: %w", err)
			}
		}
	}
	if _, err := s.Cases(); err != nil {
		return nil, err
	}
	return &s, nil
}

// noLoader refuses every $ref outside the schema: a suite must not make
// Bulwark read files or fetch URLs.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external schema reference %q is not allowed", url)
}

func (a *Assertion) compile() error {
	known := false
	for _, t := range assertionTypes {
		if a.Type == t {
			known = true
		}
	}
	if !known {
		return fmt.Errorf("unknown assertion type %q (want %s)", a.Type, strings.Join(assertionTypes, ", "))
	}
	switch a.Type {
	case Contains, NotContains, Similar, LLMRubric:
		if a.Value == "" {
			return fmt.Errorf("%s needs a value", a.Type)
		}
	case Regex, NotRegex:
		re, err := regexp.Compile(a.Value)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Type, err)
		}
		a.re = re
	case JSONSchema:
		if a.Schema == nil {
			return errors.New("json-schema needs a schema")
		}
		raw, err := json.Marshal(a.Schema)
		if err != nil {
			return fmt.Errorf("json-schema: %w", err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("json-schema: %w", err)
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(noLoader{})
		if err := c.AddResource("suite://schema.json", doc); err != nil {
			return fmt.Errorf("json-schema: %w", err)
		}
		if a.schema, err = c.Compile("suite://schema.json"); err != nil {
			return fmt.Errorf("json-schema: %w", err)
		}
	case DetectorBelow, DetectorAbove:
		if a.Category == "" {
			return fmt.Errorf("%s needs a category", a.Type)
		}
		if a.Threshold < 0 || a.Threshold > 1 {
			return fmt.Errorf("%s: threshold %v outside [0,1]", a.Type, a.Threshold)
		}
	}
	if a.Type == Similar && a.Threshold == 0 {
		a.Threshold = 0.5
	}
	return nil
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

func fill(s string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		k := placeholder.FindStringSubmatch(m)[1]
		if v, ok := vars[k]; ok {
			return v
		}
		return m
	})
}

// Cases expands the suite into concrete cases, in a stable order.
func (s *Suite) Cases() ([]Case, error) {
	var out []Case
	for _, t := range s.Tests {
		keys := make([]string, 0, len(t.Vars))
		total := 1
		for k, vs := range t.Vars {
			keys = append(keys, k)
			total *= len(vs)
			if total > MaxCases {
				return nil, fmt.Errorf("test %q: more than %d combinations", t.Name, MaxCases)
			}
		}
		sort.Strings(keys)
		for i := 0; i < total; i++ {
			vars := map[string]string{}
			idx := i
			var label []string
			for _, k := range keys {
				vs := t.Vars[k]
				vars[k] = vs[idx%len(vs)]
				idx /= len(vs)
				label = append(label, k+"="+vars[k])
			}
			name := t.Name
			if len(label) > 0 {
				name += " [" + strings.Join(label, ", ") + "]"
			}
			asserts := append(append([]Assertion{}, s.Defaults.Assert...), t.Assert...)
			out = append(out, Case{Name: name, Prompt: fill(t.Prompt, vars), Vars: vars, Assert: asserts})
			if len(out) > MaxCases {
				return nil, fmt.Errorf("suite expands to more than %d cases", MaxCases)
			}
		}
	}
	if s.Fuzz != nil {
		for i, p := range fuzz.Generate(fuzz.Options{N: s.Fuzz.Count, Seed: s.Fuzz.Seed, Mode: s.Fuzz.Mode, MaxLen: s.Fuzz.MaxLen}) {
			out = append(out, Case{Name: fmt.Sprintf("fuzz %d", i+1), Prompt: p, Assert: s.Fuzz.Assert})
		}
		if len(out) > MaxCases {
			return nil, fmt.Errorf("suite expands to more than %d cases", MaxCases)
		}
	}
	return out, nil
}
