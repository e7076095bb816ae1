package detect

import (
	"context"
	"strings"
	"testing"
)

// TestContentDetectorsHostile feeds 256 KB texts built to stress each
// recogniser (long digit runs, walls of '@', colons, brackets, markup,
// placeholders, stretched words). A quadratic path would make this test
// time out; it also checks the Detection invariants.
func TestContentDetectorsHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	const n = 256 << 10
	rep := func(s string) string { return strings.Repeat(s, n/len(s)+1)[:n] }
	inputs := map[string]string{
		"digits spaced":  rep("1 "),
		"digits dashed":  rep("12-"),
		"card groups":    rep("4111 1111 1111 1111 "),
		"at signs":       rep("a@"),
		"emails":         rep("a.b@c.de "),
		"colons":         rep("1:"),
		"brackets":       rep("[EMAIL_1]"),
		"markdown":       rep("![a](http://1.2.3.4/?q={d}) "),
		"html":           rep("<img src=x onerror=y>"),
		"open tags":      rep("<a "),
		"stretched":      rep("kiiiiiiiiiiiiiiiiiiiiiiiiiiiiiill "),
		"base58":         rep("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
		"iban like":      rep("DE89 3704 "),
		"script":         rep("javascript"),
		"invalid utf8":   rep("\xff\xfe\xc3"),
		"refusal phrase": rep("i can't help with "),
	}
	tox, err := newToxicDetector()
	if err != nil {
		t.Fatal(err)
	}
	ds := []Detector{newPIIDetector(), newSecretsDetector(), tox, newLeakDetector(), newExfilDetector(), newRefusalDetector()}
	for name, text := range inputs {
		in := Input{Role: RoleResponse, Text: text, Prompt: "p", SystemPrompt: "a b c d e f", Canaries: []string{"CANARY-1234"}}
		doc := NewDocument(in)
		for _, d := range ds {
			det, err := d.Detect(context.Background(), doc)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, d.Categories()[0], err)
			}
			checkDetection(t, det, text)
		}
	}
}
