package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/finding"
)

// writeKeyPair writes a PEM private and public key and returns their paths.
func writeKeyPair(t *testing.T, dir, name string, ed bool) (priv, pub string) {
	t.Helper()
	var key any
	var pubKey any
	if ed {
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key, pubKey = k, p
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key, pubKey = k, &k.PublicKey
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pder, err := x509.MarshalPKIXPublicKey(pubKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644)
	return priv, pub
}

func writeCLIModel(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	for p, c := range map[string]string{"config.json": `{"model_type":"bert"}`, "model.safetensors": strings.Repeat("z", 5000), "sub/vocab.txt": "a\nb\n"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func jsonFindings(t *testing.T, out string) []finding.Finding {
	t.Helper()
	var rep finding.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, out)
	}
	return rep.Findings
}

func TestCLISignVerify(t *testing.T) {
	keys := t.TempDir()
	for _, ed := range []bool{false, true} {
		name := "ecdsa"
		if ed {
			name = "ed25519"
		}
		t.Run(name, func(t *testing.T) {
			priv, pub := writeKeyPair(t, keys, name, ed)
			_, otherPub := writeKeyPair(t, keys, name+"-other", ed)
			tampers := []struct {
				name string
				do   func(dir string)
				rule string
				file string
			}{
				{"clean", func(string) {}, "", ""},
				{"byte", func(dir string) {
					p := filepath.Join(dir, "model.safetensors")
					b, _ := os.ReadFile(p)
					b[4000] = 'y'
					os.WriteFile(p, b, 0o644)
				}, "PROV002", "model.safetensors"},
				{"added", func(dir string) { os.WriteFile(filepath.Join(dir, "sub", "payload.pkl"), []byte("x"), 0o644) }, "PROV003", "sub/payload.pkl"},
				{"removed", func(dir string) { os.Remove(filepath.Join(dir, "config.json")) }, "PROV004", "config.json"},
				{"renamed", func(dir string) { os.Rename(filepath.Join(dir, "sub", "vocab.txt"), filepath.Join(dir, "vocab.txt")) }, "PROV005", "vocab.txt"},
			}
			for _, tc := range tampers {
				t.Run(tc.name, func(t *testing.T) {
					dir := writeCLIModel(t)
					code, out, errs := runCLI(t, nil, "sign", dir, "--key", priv)
					if code != 0 || !strings.Contains(out, "model.sig") {
						t.Fatalf("sign: exit %d\n%s%s", code, out, errs)
					}
					tc.do(dir)
					code, out, errs = runCLI(t, nil, "verify", dir, "--key", pub, "--format", "json")
					fs := jsonFindings(t, out)
					if tc.rule == "" {
						if code != 0 || len(fs) != 0 {
							t.Fatalf("clean verify: exit %d, findings %+v, stderr %s", code, fs, errs)
						}
						code, out, _ = runCLI(t, nil, "verify", dir, "--key", otherPub, "--format", "json")
						if fs := jsonFindings(t, out); code != 1 || len(fs) != 1 || fs[0].RuleID != "PROV001" {
							t.Fatalf("wrong key: exit %d, findings %+v", code, fs)
						}
						return
					}
					if code != 1 || len(fs) != 1 || fs[0].RuleID != tc.rule || fs[0].Properties["path"] != tc.file {
						t.Fatalf("exit %d, findings %+v, stderr %s", code, fs, errs)
					}
				})
			}
		})
	}
}

func TestCLIVerifyErrorsAndFormats(t *testing.T) {
	keys := t.TempDir()
	priv, pub := writeKeyPair(t, keys, "k", false)
	dir := writeCLIModel(t)
	if code, _, errs := runCLI(t, nil, "sign", dir, "--key", priv, "--shard-size", "1024"); code != 0 {
		t.Fatalf("sign: %s", errs)
	}
	os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("changed"), 0o644)
	code, out, _ := runCLI(t, nil, "verify", dir, "--key", pub, "--format", "sarif")
	if code != 1 || !strings.Contains(out, `"ruleId": "PROV002"`) {
		t.Fatalf("sarif: exit %d\n%s", code, out)
	}
	// Malformed signature file: a finding, exit 1.
	os.WriteFile(filepath.Join(dir, "model.sig"), []byte(`{"mediaType":"x"}`), 0o644)
	code, out, _ = runCLI(t, nil, "verify", dir, "--key", pub, "--format", "json")
	if fs := jsonFindings(t, out); code != 1 || len(fs) != 1 || fs[0].RuleID != "PROV001" {
		t.Fatalf("malformed bundle: exit %d %+v", code, fs)
	}
	// Missing signature: a finding, exit 1.
	os.Remove(filepath.Join(dir, "model.sig"))
	code, out, _ = runCLI(t, nil, "verify", dir, "--key", pub, "--format", "json")
	if fs := jsonFindings(t, out); code != 1 || len(fs) != 1 || fs[0].RuleID != "PROV001" || !strings.Contains(fs[0].Message, "model.sig") {
		t.Fatalf("missing signature: exit %d %+v", code, fs)
	}
	usage := []struct {
		args []string
		want string
	}{
		{[]string{"verify", dir}, "give --key"},
		{[]string{"verify", filepath.Join(dir, "nope"), "--key", pub}, "no such file"},
		{[]string{"verify", dir, "--key", filepath.Join(keys, "missing.pub")}, "--key"},
		{[]string{"verify", dir, "--identity", "a@b"}, "need --trusted-root"},
		{[]string{"verify", dir, "--policy", filepath.Join(keys, "missing.yaml")}, "--policy"},
		{[]string{"sign", dir}, "--key is required"},
		{[]string{"sign", dir, "--key", pub}, "no PEM private key"},
		{[]string{"sign", dir, "--key", priv, "--shard-size", "-5"}, "--shard-size"},
		{[]string{"sign", filepath.Join(dir, "nope"), "--key", priv}, "no such file"},
	}
	for _, u := range usage {
		code, _, errs := runCLI(t, nil, u.args...)
		if code != 2 || !strings.Contains(errs, u.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", u.args, code, errs, u.want)
		}
	}
}

func TestCLIVerifyPolicy(t *testing.T) {
	keys := t.TempDir()
	priv, _ := writeKeyPair(t, keys, "release", false)
	writeKeyPair(t, keys, "other", false)
	dir := writeCLIModel(t)
	if code, _, errs := runCLI(t, nil, "sign", dir, "--key", priv); code != 0 {
		t.Fatalf("sign: %s", errs)
	}
	scan := finding.NewReport("scan", "dev", dir)
	scan.Add(finding.Finding{RuleID: "PICKLE001", Title: "os.system import", Severity: finding.Critical, Location: finding.Location{File: filepath.Join(dir, "x.pkl")}, Message: "calls os.system"})
	scan.Add(finding.Finding{RuleID: "META001", Title: "meta", Severity: finding.Low, Message: "fine"})
	scanPath := filepath.Join(keys, "scan.json")
	data, _ := json.Marshal(scan)
	os.WriteFile(scanPath, data, 0o644)
	cleanScan := filepath.Join(keys, "clean.json")
	data, _ = json.Marshal(finding.NewReport("scan", "dev", dir))
	os.WriteFile(cleanScan, data, 0o644)

	writePolicy := func(body string) string {
		p := filepath.Join(keys, "policy.yaml")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	cases := []struct {
		name   string
		policy string
		extra  []string
		code   int
		rules  []string
	}{
		{"allowed key, clean scan", "signers:\n  keys: [release.pub]\nscan:\n  max_severity: medium\n", []string{"--scan-report", cleanScan}, 0, nil},
		{"allowed key, critical scan finding", "signers:\n  keys: [release.pub]\nscan:\n  max_severity: medium\n", []string{"--scan-report", scanPath}, 1, []string{"PROV011"}},
		{"key not allowed", "signers:\n  keys: [other.pub]\n", nil, 1, []string{"PROV001"}},
		{"any of two keys", "signers:\n  keys: [other.pub, release.pub]\n", nil, 0, nil},
		{"scan required, none given", "signers:\n  keys: [release.pub]\nscan:\n  required: true\n", nil, 1, []string{"PROV011"}},
		{"scan run by bulwark", "signers:\n  keys: [release.pub]\nscan:\n  required: true\n  max_severity: medium\n", []string{"--scan"}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writePolicy(c.policy)
			args := append([]string{"verify", dir, "--policy", p, "--format", "json"}, c.extra...)
			code, out, errs := runCLI(t, nil, args...)
			fs := jsonFindings(t, out)
			var rules []string
			for _, f := range fs {
				rules = append(rules, f.RuleID)
			}
			if code != c.code || strings.Join(rules, ",") != strings.Join(c.rules, ",") {
				t.Fatalf("exit %d rules %v, want %d %v; stderr %s", code, rules, c.code, c.rules, errs)
			}
		})
	}
	if code, _, errs := runCLI(t, nil, "verify", dir, "--policy", writePolicy("signers:\n  keys: [release.pub]\n"), "--key", filepath.Join(keys, "release.pub")); code != 2 || !strings.Contains(errs, "do not combine") {
		t.Fatalf("policy with --key: exit %d %s", code, errs)
	}
	bad := writePolicy("signers:\n  keys: []\n")
	if code, _, errs := runCLI(t, nil, "verify", dir, "--policy", bad); code != 2 || !strings.Contains(errs, "at least one") {
		t.Fatalf("empty signers: exit %d %s", code, errs)
	}
}

// TestCLIVerifyReference verifies signatures made by the reference
// implementation (skipped when ../shared is absent).
func TestCLIVerifyReference(t *testing.T) {
	s := filepath.Join("..", "..", "..", "shared", "data", "model-signing")
	if _, err := os.Stat(filepath.Join(s, "cases.json")); err != nil {
		t.Skipf("reference data not found at %s", s)
	}
	cases := [][]string{
		{"verify", filepath.Join(s, "cases", "v1.1.0-elliptic-key"), "--key", filepath.Join(s, "keys", "signing-key-pub.pem")},
		{"verify", filepath.Join(s, "cases", "v1.1.0-certificate"), "--cert-anchor", filepath.Join(s, "keys", "ca-cert.pem")},
		{"verify", filepath.Join(s, "cases", "v1.0.1-sigstore"), "--ignore", "ignore-me", "--trusted-root", filepath.Join(s, "trust", "public-good-trusted_root.json"),
			"--identity", "stefanb@us.ibm.com", "--issuer", "https://sigstore.verify.ibm.com/oauth2"},
		{"verify", filepath.Join(s, "cases", "v0.3.1-elliptic-key", "signme-1"), "--signature", filepath.Join(s, "cases", "v0.3.1-elliptic-key", "model.sig"), "--key", filepath.Join(s, "keys", "signing-key-pub.pem")},
	}
	for _, args := range cases {
		if code, out, errs := runCLI(t, nil, args...); code != 0 {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
}

// writePKI writes a root CA, an intermediate and a leaf for the key in
// keyPath (all PEM) and returns their paths.
func writePKI(t *testing.T, dir, keyPath, email string) (root, inter, leaf string) {
	t.Helper()
	data, _ := os.ReadFile(keyPath)
	blk, _ := pem.Decode(data)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	signer := k.(crypto.Signer)
	now := time.Now()
	mk := func(tmpl, parent *x509.Certificate, pub any, key crypto.Signer) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	rk, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ik, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := func(n int64, cn string) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	rt := ca(1, "bulwark-test-root")
	rc := mk(rt, rt, rk.Public(), rk)
	ic := mk(ca(2, "bulwark-test-intermediate"), rc, ik.Public(), rk)
	lc := mk(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "signer"}, EmailAddresses: []string{email},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, ic, signer.Public(), ik)
	write := func(name string, c *x509.Certificate) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
		return p
	}
	return write("root.pem", rc), write("inter.pem", ic), write("leaf.pem", lc)
}

func TestCLICertificateChain(t *testing.T) {
	keys := t.TempDir()
	priv, _ := writeKeyPair(t, keys, "k", false)
	root, inter, leaf := writePKI(t, keys, priv, "release@example.com")
	dir := writeCLIModel(t)
	if code, out, errs := runCLI(t, nil, "sign", dir, "--key", priv, "--cert-chain", leaf, "--cert-chain", inter); code != 0 || !strings.Contains(out, "certificate") {
		t.Fatalf("sign: %d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI(t, nil, "verify", dir, "--cert-anchor", root); code != 0 || !strings.Contains(errs, "release@example.com") {
		t.Fatalf("verify: %d %s", code, errs)
	}
	// An unrelated CA is not trusted.
	otherDir := t.TempDir()
	otherPriv, _ := writeKeyPair(t, otherDir, "o", false)
	otherRoot, _, _ := writePKI(t, otherDir, otherPriv, "x@example.com")
	code, out, _ := runCLI(t, nil, "verify", dir, "--cert-anchor", otherRoot, "--format", "json")
	if fs := jsonFindings(t, out); code != 1 || len(fs) != 1 || fs[0].RuleID != "PROV001" {
		t.Fatalf("unrelated CA: %d %+v", code, fs)
	}
	pol := filepath.Join(keys, "policy.yaml")
	os.WriteFile(pol, []byte("signers:\n  certificate_anchors: [root.pem]\n  certificate_identities:\n    - san: someone-else@example.com\n"), 0o644)
	code, out, _ = runCLI(t, nil, "verify", dir, "--policy", pol, "--format", "json")
	if fs := jsonFindings(t, out); code != 1 || len(fs) != 1 || fs[0].RuleID != "PROV010" {
		t.Fatalf("identity not allowed: %d %+v", code, fs)
	}
	os.WriteFile(pol, []byte("signers:\n  certificate_anchors: [root.pem]\n  certificate_identities:\n    - san_regexp: '^release@example\\.com$'\n"), 0o644)
	if code, out, errs := runCLI(t, nil, "verify", dir, "--policy", pol); code != 0 {
		t.Fatalf("identity allowed: %d %s %s", code, out, errs)
	}
	// A leaf that does not certify the key is refused at signing.
	if code, _, errs := runCLI(t, nil, "sign", dir, "--key", otherPriv, "--cert-chain", leaf); code != 2 || !strings.Contains(errs, "does not certify") {
		t.Fatalf("mismatched leaf: %d %s", code, errs)
	}
}
