package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
)

// runCLI runs the CLI in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestCLIBasics(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help", nil, []string{"--help"}, 0, "Runtime protection", ""},
		{"version", nil, []string{"version"}, 0, "go1.", ""},
		{"unknown command", nil, []string{"frobnicate"}, 2, "", "unknown command"},
		{"bad flag", nil, []string{"version", "--nope"}, 2, "", "unknown flag"},
		{"bad log level", nil, []string{"--log-level", "loud", "version"}, 2, "", "--log-level"},
		{"bad fail-on", nil, []string{"scan", "--fail-on", "severe", "x"}, 2, "", "--fail-on"},
		{"config print masks", map[string]string{"BULWARK_DATABASE": "postgres://u:hunter2@db/x"}, []string{"config", "print"}, 0, "u:****@db", ""},
		{"missing config", nil, []string{"--config", "/nonexistent/b.yaml", "version"}, 2, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tt.env, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errs)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout %q lacks %q", out, tt.stdout)
			}
			if !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr %q lacks %q", errs, tt.stderr)
			}
			if strings.Contains(out+errs, "hunter2") {
				t.Error("secret printed")
			}
		})
	}
}

func TestEmitExitCodes(t *testing.T) {
	rep := finding.NewReport("test", "dev")
	rep.Add(finding.Finding{RuleID: "X1", Severity: finding.Medium, Message: "m"})
	tests := []struct {
		failOn string
		want   error
	}{
		{"high", nil},
		{"medium", errFindings},
		{"none", nil},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		a := &app{stdout: &out}
		err := a.emit(rep, &reportFlags{format: "json", failOn: tt.failOn})
		if err != tt.want {
			t.Errorf("fail-on %s: err = %v, want %v", tt.failOn, err, tt.want)
		}
	}
}
