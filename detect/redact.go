package detect

import (
	"context"
	"strings"
)

// Vault remembers what Redact replaced, so that placeholders in a later text
// (a model's answer) can be restored. A Vault belongs to one request.
type Vault struct {
	// entries maps a placeholder such as "[EMAIL_1]" to the original text.
	entries map[string]string
}

// Restore replaces every known placeholder in text with its original value.
func (v *Vault) Restore(text string) string {
	if v == nil || len(v.entries) == 0 {
		return text
	}
	pairs := make([]string, 0, 2*len(v.entries))
	for k, orig := range v.entries {
		pairs = append(pairs, k, orig)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Len returns how many values the vault holds.
func (v *Vault) Len() int {
	if v == nil {
		return 0
	}
	return len(v.entries)
}

// RedactResult is the outcome of Redact.
type RedactResult struct {
	// Text with PII and secrets replaced by typed placeholders ("[EMAIL_1]").
	Text string
	// Vault restores the placeholders.
	Vault *Vault
	// Counts per type of what was replaced.
	Counts map[string]int
}

// Redact replaces PII and secrets in text with typed placeholders.
//
// PLACEHOLDER until the PII detector lands: returns text unchanged.
func (e *Engine) Redact(ctx context.Context, text string) (RedactResult, error) {
	if err := ctx.Err(); err != nil {
		return RedactResult{}, err
	}
	return RedactResult{Text: text, Vault: &Vault{entries: map[string]string{}}, Counts: map[string]int{}}, nil
}
