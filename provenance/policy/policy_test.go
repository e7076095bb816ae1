package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/provenance/modelsig"
)

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"empty", "", "empty"},
		{"unknown key", "signers:\n  keys: [a.pub]\ncolour: red\n", "colour"},
		{"no signers", "scan:\n  max_severity: low\n", "at least one"},
		{"root without identities", "signers:\n  trusted_root: tr.json\n", "needs signers.identities"},
		{"identities without root", "signers:\n  keys: [a.pub]\n  identities: [{san: a@b, issuer: https://i}]\n", "need signers.trusted_root"},
		{"identity without issuer", "signers:\n  trusted_root: tr.json\n  identities: [{san: a@b}]\n", "exactly one"},
		{"bad severity", "signers:\n  keys: [a.pub]\nscan:\n  max_severity: severe\n", "max_severity"},
		{"cert identity without anchors", "signers:\n  keys: [a.pub]\n  certificate_identities: [{san: a@b}]\n", "need signers.certificate_anchors"},
		{"bad regexp", "signers:\n  certificate_anchors: [ca.pem]\n  certificate_identities: [{san_regexp: '('}]\n", "san_regexp"},
		{"two cert identity fields", "signers:\n  certificate_anchors: [ca.pem]\n  certificate_identities: [{san: a, subject: b}]\n", "exactly one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), "/base")
			if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestParseResolvesPaths(t *testing.T) {
	p, err := Parse([]byte("signers:\n  keys: [k.pub, /abs/k2.pub]\n  certificate_anchors: [ca/root.pem]\n"), "/etc/bulwark")
	if err != nil {
		t.Fatal(err)
	}
	if p.Signers.Keys[0] != "/etc/bulwark/k.pub" || p.Signers.Keys[1] != "/abs/k2.pub" || p.Signers.CertificateAnchors[0] != "/etc/bulwark/ca/root.pem" {
		t.Fatalf("paths = %+v", p.Signers)
	}
}

func TestLoadMissingMaterial(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	os.WriteFile(path, []byte("signers:\n  keys: [missing.pub]\n"), 0o644)
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verifier(); err == nil || !strings.Contains(err.Error(), "missing.pub") {
		t.Fatalf("verifier with a missing key: %v", err)
	}
}

func TestCheckScan(t *testing.T) {
	p, err := Parse([]byte("signers:\n  keys: [a.pub]\nscan:\n  max_severity: medium\n"), ".")
	if err != nil {
		t.Fatal(err)
	}
	rep := finding.NewReport("scan", "dev")
	for _, s := range []finding.Severity{finding.Info, finding.Medium, finding.High, finding.Critical} {
		rep.Add(finding.Finding{RuleID: "R" + s.String(), Severity: s})
	}
	fs := p.CheckScan(rep, "m")
	if len(fs) != 2 || fs[0].Properties["scan_rule"] != "Rhigh" || fs[1].Properties["scan_rule"] != "Rcritical" {
		t.Fatalf("findings = %+v", fs)
	}
	if fs := p.CheckScan(nil, "m"); fs != nil {
		t.Fatalf("no scan, not required: %+v", fs)
	}
	p.Scan.Required = true
	if fs := p.CheckScan(nil, "m"); len(fs) != 1 || fs[0].RuleID != RuleScan {
		t.Fatalf("no scan, required: %+v", fs)
	}
}

func TestCheckSigner(t *testing.T) {
	p, err := Parse([]byte("signers:\n  certificate_anchors: [ca.pem]\n  certificate_identities:\n    - san: release@example.com\n    - san_regexp: '^ci-[0-9]+@example\\.com$'\n    - subject: CN=builder\n"), ".")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		info *modelsig.SignerInfo
		ok   bool
	}{
		{&modelsig.SignerInfo{Method: modelsig.MethodCertificate, Identity: "release@example.com"}, true},
		{&modelsig.SignerInfo{Method: modelsig.MethodCertificate, Identity: "ci-42@example.com"}, true},
		{&modelsig.SignerInfo{Method: modelsig.MethodCertificate, Subject: "CN=builder"}, true},
		{&modelsig.SignerInfo{Method: modelsig.MethodCertificate, Identity: "ci-42@example.com.evil"}, false},
		{&modelsig.SignerInfo{Method: modelsig.MethodCertificate, Identity: "mallory@example.com", Subject: "CN=x"}, false},
		{&modelsig.SignerInfo{Method: modelsig.MethodKey, KeyID: "abc"}, true},
	}
	for i, c := range cases {
		f := p.CheckSigner(c.info, "m")
		if (f == nil) != c.ok {
			t.Errorf("case %d: finding %+v, want ok=%v", i, f, c.ok)
		}
		if f != nil && f.RuleID != RuleSigner {
			t.Errorf("case %d: rule %s", i, f.RuleID)
		}
	}
}

// FuzzParse checks the policy parser never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte("signers:\n  keys: [a.pub]\nscan:\n  max_severity: medium\n"))
	f.Add([]byte("signers:\n  trusted_root: t.json\n  identities: [{san: a, issuer: b}]\n"))
	f.Add([]byte("signers: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "/base")
		if err == nil && len(p.Signers.Keys)+len(p.Signers.CertificateAnchors) == 0 && p.Signers.TrustedRoot == "" {
			t.Fatal("accepted a policy without signers")
		}
	})
}

// TestPolicyReferenceCases applies policies to signatures made by the
// reference implementation (skipped when ../shared is absent).
func TestPolicyReferenceCases(t *testing.T) {
	shared, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", "model-signing"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shared, "cases.json")); err != nil {
		t.Skipf("reference data not found at %s", shared)
	}
	cases := []struct {
		name, model, policy string
		ok                  bool // signature accepted
		signerFinding       bool // PROV010 expected
	}{
		{"keyless allowed", "v1.1.0-sigstore", "signers:\n  trusted_root: trust/public-good-trusted_root.json\n  identities:\n    - san: stefanb@us.ibm.com\n      issuer: https://sigstore.verify.ibm.com/oauth2\n", true, false},
		{"keyless by regexp", "v1.0.0-sigstore", "signers:\n  trusted_root: trust/public-good-trusted_root.json\n  identities:\n    - san_regexp: '^[a-z]+@us\\.ibm\\.com$'\n      issuer_regexp: '^https://sigstore\\.verify\\.ibm\\.com/'\n", true, false},
		{"keyless other issuer", "v1.1.0-sigstore", "signers:\n  trusted_root: trust/public-good-trusted_root.json\n  identities:\n    - san: stefanb@us.ibm.com\n      issuer: https://accounts.google.com\n", false, false},
		{"keyless signer but only keys allowed", "v1.1.0-sigstore", "signers:\n  keys: [keys/signing-key-pub.pem]\n", false, false},
		{"certificate, subject allowed", "v1.1.0-certificate", "signers:\n  certificate_anchors: [keys/ca-cert.pem]\n  certificate_identities:\n    - subject: CN=intermediate-ca\n", true, false},
		{"certificate, identity not allowed", "v1.1.0-certificate", "signers:\n  certificate_anchors: [keys/ca-cert.pem]\n  certificate_identities:\n    - san: release@example.com\n", true, true},
		{"key or keyless", "v1.1.0-elliptic-key", "signers:\n  keys: [keys/signing-key-pub.pem]\n  trusted_root: trust/public-good-trusted_root.json\n  identities:\n    - san: nobody@example.com\n      issuer: https://accounts.google.com\n", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.policy), shared)
			if err != nil {
				t.Fatal(err)
			}
			v, err := p.Verifier()
			if err != nil {
				t.Fatal(err)
			}
			model := filepath.Join(shared, "cases", c.model)
			sig := filepath.Join(model, "model.sig")
			b, err := modelsig.ReadBundle(sig)
			if err != nil {
				t.Fatal(err)
			}
			res, err := modelsig.VerifyModel(context.Background(), model, b, v, modelsig.VerifyOptions{SignaturePath: sig, IgnorePaths: []string{"ignore-me"}})
			if c.ok != (err == nil) {
				t.Fatalf("verify err = %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				return
			}
			if !res.OK() {
				t.Fatalf("changes %+v", res.Changes)
			}
			if f := p.CheckSigner(res.Signer, model); (f != nil) != c.signerFinding {
				t.Fatalf("signer finding = %+v, want %v", f, c.signerFinding)
			}
		})
	}
}
