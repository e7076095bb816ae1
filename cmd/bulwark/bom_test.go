package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// evilPickle is a protocol-2 pickle that calls os.system("ls") when loaded.
const evilPickle = "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03."

func bomProps(t *testing.T, path string) (map[string]string, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	comp := doc["metadata"].(map[string]any)["component"].(map[string]any)
	for _, p := range comp["properties"].([]any) {
		pm := p.(map[string]any)
		props[pm["name"].(string)] = pm["value"].(string)
	}
	return props, doc
}

func TestCLIBOM(t *testing.T) {
	keys := t.TempDir()
	priv, pub := writeKeyPair(t, keys, "k", false)
	dir := writeCLIModel(t)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("---\nlicense: mit\npipeline_tag: fill-mask\ndatasets: [wikipedia]\n---\n"), 0o644)
	out := filepath.Join(keys, "bom.json")

	if code, _, errs := runCLI(t, nil, "bom", dir, "--no-scan", "-o", out); code != 0 {
		t.Fatalf("unsigned: %s", errs)
	}
	if p, doc := bomProps(t, out); p["bulwark:signature:status"] != "unsigned" || doc["specVersion"] != "1.6" {
		t.Fatalf("unsigned: %v", p)
	}
	if code, _, errs := runCLI(t, nil, "sign", dir, "--key", priv); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, nil, "bom", dir, "--no-scan", "-o", out); code != 0 {
		t.Fatal(errs)
	}
	if p, _ := bomProps(t, out); p["bulwark:signature:status"] != "present-unverified" {
		t.Fatalf("unverified: %v", p)
	}
	if code, _, errs := runCLI(t, nil, "bom", dir, "--no-scan", "--key", pub, "-o", out); code != 0 {
		t.Fatal(errs)
	}
	p, doc := bomProps(t, out)
	if p["bulwark:signature:status"] != "verified" || p["bulwark:signature:method"] != "key" {
		t.Fatalf("verified: %v", p)
	}
	if _, ok := doc["vulnerabilities"]; ok {
		t.Fatal("vulnerabilities without a scan")
	}
	// An added malicious pickle: signature mismatch and a scan vulnerability.
	os.WriteFile(filepath.Join(dir, "extra.pkl"), []byte(evilPickle), 0o644)
	if code, _, errs := runCLI(t, nil, "bom", dir, "--key", pub, "-o", out); code != 0 {
		t.Fatal(errs)
	}
	p, doc = bomProps(t, out)
	if p["bulwark:signature:status"] != "mismatch" || p["bulwark:signature:files-differing"] != "1" {
		t.Fatalf("mismatch: %v", p)
	}
	vulns, _ := doc["vulnerabilities"].([]any)
	if len(vulns) == 0 || vulns[0].(map[string]any)["affects"].([]any)[0].(map[string]any)["ref"] != "file:extra.pkl" {
		t.Fatalf("vulnerabilities %v", doc["vulnerabilities"])
	}
	// Wrong key: invalid.
	_, other := writeKeyPair(t, keys, "o", true)
	if code, _, errs := runCLI(t, nil, "bom", dir, "--no-scan", "--key", other, "-o", out); code != 0 {
		t.Fatal(errs)
	}
	if p, _ := bomProps(t, out); p["bulwark:signature:status"] != "invalid" {
		t.Fatalf("invalid: %v", p)
	}
	if code, _, _ := runCLI(t, nil, "bom", filepath.Join(dir, "missing")); code != 2 {
		t.Fatal("missing model accepted")
	}
}
