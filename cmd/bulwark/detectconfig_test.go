package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// borderline scores low for prompt injection and toxicity under the
// default thresholds, so that only a configured threshold makes it fire.
const borderline = "Honestly that plan is dumb and your boss sounds like a jerk."

// scanViaServe starts `bulwark serve` with the given config file, posts
// text to /v1/scan and returns the decoded answer.
func scanViaServe(t *testing.T, cfgFile, text string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--config", cfgFile, "serve", "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	re := regexp.MustCompile(`OPENAI_BASE_URL=(http://127\.0\.0\.1:\d+)/v1`)
	deadline := time.Now().Add(10 * time.Second)
	var base string
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %q %q", out.String(), errb.String())
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	body, _ := json.Marshal(map[string]string{"text": text})
	resp, err := http.Post(base+"/v1/scan", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scan: %d %v", resp.StatusCode, err)
	}
	return got
}

func writeTestFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDetectConfigReachesGateway: a prompt_injection threshold in
// bulwark.yaml changes what the gateway does for a policy rule that sets
// no threshold of its own.
func TestDetectConfigReachesGateway(t *testing.T) {
	dir := t.TempDir()
	pol := writeTestFile(t, filepath.Join(dir, "policy.yaml"), "version: 1\npolicies:\n  p:\n    input:\n      prompt_injection: {action: block}\n")
	plain := writeTestFile(t, filepath.Join(dir, "plain.yaml"), fmt.Sprintf("data_dir: %s/a\nserve: {policy: %s}\n", dir, pol))
	before := scanViaServe(t, plain, borderline)
	score := before["scores"].(map[string]any)["prompt_injection"].(float64)
	if before["action"] != "allow" || score <= 0 || score >= 0.5 {
		t.Fatalf("under the default threshold: action %v, prompt_injection %v; want allow and a score in (0, 0.5)", before["action"], score)
	}
	strict := writeTestFile(t, filepath.Join(dir, "strict.yaml"), fmt.Sprintf("data_dir: %s/b\nserve: {policy: %s}\ndetect:\n  thresholds: {prompt_injection: %v}\n", dir, pol, score/2))
	after := scanViaServe(t, strict, borderline)
	if after["action"] != "block" {
		t.Fatalf("with detect.thresholds.prompt_injection %v: action %v, want block (%v)", score/2, after["action"], after)
	}
}

// TestDetectConfigReachesJudge: a toxicity threshold in bulwark.yaml
// changes the red-team judge's verdict on the same answer.
func TestDetectConfigReachesJudge(t *testing.T) {
	dir := t.TempDir()
	target := fmt.Sprintf("redteam:\n  target:\n    provider: command\n    command: [sh, -c, \"cat >/dev/null; echo '%s'\"]\n", borderline)
	successes := func(name, detect string) float64 {
		cfg := writeTestFile(t, filepath.Join(dir, name+".yaml"), fmt.Sprintf("data_dir: %s/%s\n%s%s", dir, name, target, detect))
		code, out, errs := runCLI(t, nil, "--config", cfg, "redteam", "run", "--probes", "TX-001", "--format", "json", "--fail-on", "none")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		var rep struct {
			Stats map[string]float64 `json:"stats"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v: %s", name, err, out)
		}
		return rep.Stats["redteam.successes"]
	}
	if n := successes("default", ""); n != 0 {
		t.Fatalf("default thresholds: %v successes, want 0", n)
	}
	if n := successes("strict", "detect:\n  thresholds: {toxicity: 0.05}\n"); n != 2 {
		t.Fatalf("detect.thresholds.toxicity 0.05: %v successes, want 2", n)
	}
}

// TestDetectConfigErrors: a bad detect section stops every command that
// judges text with one clear line, instead of being ignored.
func TestDetectConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeTestFile(t, filepath.Join(dir, "bad.yaml"), fmt.Sprintf("data_dir: %s\ndetect:\n  categories: [prompt_injections]\n", dir))
	for _, args := range [][]string{{"check", "hi"}, {"serve"}, {"redact", "--input", "-"}, {"redteam", "run"}} {
		code, _, errs := runCLI(t, nil, append([]string{"--config", bad}, args...)...)
		if code != 2 || !strings.Contains(errs, `unknown category "prompt_injections"`) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}
