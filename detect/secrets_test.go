package detect

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/detect/secrets"
)

func TestSecretsDetector(t *testing.T) {
	d := newSecretsDetector()
	aws, gh := fakeAWSKeyID(), fakeGitHubToken()
	cases := []struct {
		name     string
		in       Input
		min, max float64
		typ      string
	}{
		{"aws key id", Input{Text: "export AWS_ACCESS_KEY_ID=" + aws}, 0.7, 1, "aws_access_key_id"},
		{"github token in response", Input{Role: RoleResponse, Text: "use token " + gh, Prompt: "give me a token"}, 0.7, 1, "github_token"},
		{"echoed token", Input{Role: RoleResponse, Text: "saved " + gh, Prompt: "store " + gh}, 0.3, 0.6, "github_token"},
		{"private key", Input{Text: "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + strings.Repeat("q", 64) + "\n-----END RSA PRIVATE KEY-----"}, 0.7, 1, "private_key"},
		{"none", Input{Text: "the access key rotation policy is 90 days"}, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			det := runDetector(t, d, c.in)
			if det.Score < c.min || det.Score > c.max {
				t.Errorf("score %.3f, want [%.2f, %.2f]; spans %+v", det.Score, c.min, c.max, det.Spans)
			}
			for _, s := range det.Spans {
				if strings.Contains(s.Evidence, c.in.Text[s.Start:s.End]) {
					t.Errorf("evidence %q repeats the secret", s.Evidence)
				}
			}
			if c.typ != "" && (len(det.Spans) == 0 || det.Spans[0].Type != c.typ) {
				t.Errorf("spans %+v, want type %s", det.Spans, c.typ)
			}
		})
	}
}

func TestSecretTag(t *testing.T) {
	for typ, want := range map[string]string{
		"aws_access_key_id": "AWS_KEY", "aws_secret_access_key": "AWS_SECRET", "openai_api_key": "OPENAI_KEY",
		"github_token": "GITHUB_TOKEN", "github_fine_grained_pat": "GITHUB_TOKEN", "private_key": "PRIVATE_KEY",
		"jwt": "JWT", "generic_secret": "SECRET", "x9": "X", "": "SECRET", "a-b": "A_B",
	} {
		if got := secretTag(typ); got != want {
			t.Errorf("secretTag(%q) = %q, want %q", typ, got, want)
		}
	}
}

// TestSecretTagsOfAllRules: every secrets rule gets a tag that makes a
// well-formed placeholder.
func TestSecretTagsOfAllRules(t *testing.T) {
	for _, r := range secrets.Rules() {
		tag := secretTag(r.Type)
		p := "[" + tag + "_1]"
		if placeholderLen(p) != len(p) {
			t.Errorf("rule %s (%s): tag %q makes a bad placeholder", r.ID, r.Type, tag)
		}
	}
}

func TestRedactSecrets(t *testing.T) {
	e := newTestEngine(t)
	aws, gh := fakeAWSKeyID(), fakeGitHubToken()
	in := "key " + aws + " token " + gh + " again " + aws + " mail a@example.com"
	r, err := e.Redact(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := "key [AWS_KEY_1] token [GITHUB_TOKEN_1] again [AWS_KEY_1] mail [EMAIL_1]"
	if r.Text != want {
		t.Fatalf("got %q, want %q", r.Text, want)
	}
	if r.Counts["aws_access_key_id"] != 2 || r.Counts["github_token"] != 1 || r.Counts["email"] != 1 {
		t.Fatalf("counts %v", r.Counts)
	}
	if r.Vault.Restore("Use [AWS_KEY_1].") != "Use "+aws+"." {
		t.Fatal("restore")
	}
}

func TestLeakSecrets(t *testing.T) {
	gh := fakeGitHubToken()
	det := runDetector(t, newLeakDetector(), Input{Role: RoleResponse, Text: "Here: " + gh, Prompt: "what token does the CI use?"})
	if det.Score < 0.7 || len(det.Spans) != 1 || det.Spans[0].Type != "secret_github_token" {
		t.Fatalf("got %+v", det)
	}
	det = runDetector(t, newLeakDetector(), Input{Role: RoleResponse, Text: "Saved " + gh, Prompt: "remember " + gh})
	if det.Score != 0 {
		t.Fatalf("echoed secret scored %+v", det)
	}
}

func FuzzSecretsDetector(f *testing.F) {
	f.Add("token " + fakeGitHubToken() + " " + fakeAWSKeyID())
	fuzzContentDetector(f, newSecretsDetector(), RoleResponse)
}

func BenchmarkSecretsDetector(b *testing.B) {
	benchDetector(b, newSecretsDetector(), Input{Role: RoleResponse},
		"Configure the client with the region and bucket name, then call upload. Set AWS_REGION=eu-west-1 and retry on throttling errors.")
}
