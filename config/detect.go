package config

// Detect holds the settings of the detection engine (`bulwark check`, the
// gateway and the red-team judge). Zero values mean the engine defaults.
type Detect struct {
	// Categories to run; empty means all (prompt_injection, jailbreak,
	// prompt_extraction, pii, secrets, toxicity, leakage, exfiltration,
	// invisible_text, refusal).
	Categories []string `yaml:"categories"`
	// Thresholds per category in (0, 1]; 0 means the engine default
	// (0.5, toxicity 0.6).
	Thresholds DetectThresholds `yaml:"thresholds"`
	// MaxBytes bounds the bytes of one text examined; longer texts are
	// examined as head and tail halves. Default 1 MiB.
	MaxBytes int `yaml:"max_bytes"`
	// DisableClassifier scores injection, jailbreak and extraction with the
	// heuristics alone.
	DisableClassifier bool `yaml:"disable_classifier"`
}

// DetectThresholds holds one flagging threshold per category; 0 means the
// engine default.
type DetectThresholds struct {
	PromptInjection  float64 `yaml:"prompt_injection"`
	Jailbreak        float64 `yaml:"jailbreak"`
	PromptExtraction float64 `yaml:"prompt_extraction"`
	PII              float64 `yaml:"pii"`
	Secrets          float64 `yaml:"secrets"`
	Toxicity         float64 `yaml:"toxicity"`
	Leakage          float64 `yaml:"leakage"`
	Exfiltration     float64 `yaml:"exfiltration"`
	InvisibleText    float64 `yaml:"invisible_text"`
	Refusal          float64 `yaml:"refusal"`
}

// Map returns the non-zero thresholds keyed by category name.
func (t DetectThresholds) Map() map[string]float64 {
	m := map[string]float64{}
	for k, v := range map[string]float64{
		"prompt_injection": t.PromptInjection, "jailbreak": t.Jailbreak, "prompt_extraction": t.PromptExtraction,
		"pii": t.PII, "secrets": t.Secrets, "toxicity": t.Toxicity, "leakage": t.Leakage,
		"exfiltration": t.Exfiltration, "invisible_text": t.InvisibleText, "refusal": t.Refusal,
	} {
		if v != 0 {
			m[k] = v
		}
	}
	return m
}

func (s *Detect) defaults() {
	s.MaxBytes = 1 << 20
}
