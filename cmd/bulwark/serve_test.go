package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeKeysAndEventsCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA_DIR": dir}
	code, out, errs := runCLI(t, env, "serve", "keys", "create", "--tenant", "acme", "--role", "auditor", "--name", "dash")
	if code != 0 || !strings.HasPrefix(out, "bwk_") || !strings.Contains(errs, "not shown again") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	id := strings.Split(strings.TrimPrefix(strings.TrimSpace(out), "bwk_"), "_")[0]
	code, out, _ = runCLI(t, env, "serve", "keys", "list")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "auditor") || strings.Contains(out, "bwk_") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, _, errs = runCLI(t, env, "serve", "keys", "revoke", id); code != 0 {
		t.Fatalf("revoke: %s", errs)
	}
	if code, _, errs = runCLI(t, env, "serve", "keys", "revoke", "nope"); code != 2 || !strings.Contains(errs, "no key") {
		t.Fatalf("revoke unknown: %d %s", code, errs)
	}
	if code, _, errs = runCLI(t, env, "serve", "keys", "create", "--tenant", "a", "--role", "root"); code != 2 || !strings.Contains(errs, "--role") {
		t.Fatalf("bad role: %d %s", code, errs)
	}
	if code, _, errs = runCLI(t, env, "serve", "keys", "create"); code != 2 || !strings.Contains(errs, "--tenant") {
		t.Fatalf("no tenant: %d %s", code, errs)
	}
	// Events straight from the database (none yet: the header only).
	code, out, errs = runCLI(t, env, "events", "--action", "block", "--since", "1h")
	if code != 0 || !strings.Contains(out, "ACTION") {
		t.Fatalf("events: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, env, "events", "--format", "json")
	if code != 0 || !strings.Contains(out, `"events": []`) {
		t.Fatalf("events json: %d %q", code, out)
	}
	for _, args := range [][]string{{"events", "--since", "yesterday"}, {"events", "--limit", "5000"}, {"events", "--format", "xml"}} {
		if code, _, errs := runCLI(t, env, args...); code != 2 || errs == "" {
			t.Errorf("%v: %d %q", args, code, errs)
		}
	}
	if code, _, errs := runCLI(t, env, "events", "--server", "http://127.0.0.1:1"); code != 2 || !strings.Contains(errs, "events from") {
		t.Errorf("unreachable server: %d %q", code, errs)
	}
}

func TestServePolicyCLI(t *testing.T) {
	code, out, _ := runCLI(t, nil, "serve", "policy", "default")
	if code != 0 || !strings.Contains(out, "prompt_injection") {
		t.Fatalf("default: %d", code)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(out), 0o600)
	if code, out, _ := runCLI(t, nil, "serve", "policy", "check", good); code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("check good: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\npolicies: {a: {fail: sideways}}\n"), 0o600)
	if code, _, errs := runCLI(t, nil, "serve", "policy", "check", bad); code != 2 || !strings.Contains(errs, "bad.yaml") || !strings.Contains(errs, "sideways") {
		t.Fatalf("check bad: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "serve", "--tls-cert", "c.pem"); code != 2 || !strings.Contains(errs, "--tls-key") {
		t.Fatalf("tls flags: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, map[string]string{"BULWARK_DATA_DIR": dir}, "serve", "--policy", bad); code != 2 || !strings.Contains(errs, "sideways") {
		t.Fatalf("serve with bad policy: %d %s", code, errs)
	}
}
