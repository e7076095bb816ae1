package detect

import (
	"github.com/bulwark-ai/bulwark/detect/secrets"
)

// leakSecrets reports secrets in a response that the prompt did not hold.
func leakSecrets(doc *Document, add func(string, int, int, float64, string)) {
	ms := secrets.Find([]byte(doc.Raw))
	if len(ms) == 0 {
		return
	}
	pk := alnumKey(doc.Input.Prompt)
	for _, m := range ms {
		if inKey(doc.Raw[m.Start:m.End], pk) {
			continue
		}
		add("secret_"+m.Type, m.Start, m.End, m.Confidence*secretSeverityWeight(m.Severity), m.Redacted+" not present in the prompt")
	}
}
