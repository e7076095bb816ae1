package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/detect"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(path, []byte("log_level: debug\ndata_dir: /tmp/x\ndatabase: postgres://u:pw@db/b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, used, err := Load(path, envMap(map[string]string{"BULWARK_LOG_LEVEL": "warn"}))
	if err != nil {
		t.Fatal(err)
	}
	if used != path {
		t.Errorf("used = %q", used)
	}
	if c.LogLevel != "warn" {
		t.Errorf("env should win over file: %q", c.LogLevel)
	}
	if c.DataDir != "/tmp/x" {
		t.Errorf("file should win over default: %q", c.DataDir)
	}
	if c.LogFormat != "text" {
		t.Errorf("default lost: %q", c.LogFormat)
	}
	m := c.Masked()
	if m.Database != "postgres://u:****@db/b" || c.Database != "postgres://u:pw@db/b" {
		t.Errorf("mask: %q / %q", m.Database, c.Database)
	}
	out, _ := m.YAML()
	if strings.Contains(string(out), "pw@") {
		t.Errorf("secret printed: %s", out)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("log_levle: debug\n"), 0o600)
	tests := []struct {
		name, path string
		env        map[string]string
		want       string
	}{
		{"missing explicit", filepath.Join(dir, "nope.yaml"), nil, "no such file"},
		{"unknown key", bad, nil, "log_levle"},
		{"bad env", "", map[string]string{"BULWARK_CONFIG": filepath.Join(dir, "none.yaml")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(tt.path, envMap(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMaskSecret(t *testing.T) {
	for in, want := range map[string]string{
		"sk-abc":                     "****",
		"postgres://u:p@h/db":        "postgres://u:****@h/db",
		"redis://h:6379":             "redis://h:6379",
		"postgres://user:a:b@h:5432": "postgres://user:****@h:5432",
	} {
		if got := MaskSecret(in); got != want {
			t.Errorf("MaskSecret(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadDetect(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("detect:\n  categories: [jailbreak, prompt_injection]\n  thresholds: {jailbreak: 0.8}\n  max_bytes: 4096\n"), 0o600)
	badCat := filepath.Join(dir, "badcat.yaml")
	os.WriteFile(badCat, []byte("detect:\n  categories: [bogus]\n"), 0o600)
	badThr := filepath.Join(dir, "badthr.yaml")
	os.WriteFile(badThr, []byte("detect:\n  thresholds: {pii: 1.5}\n"), 0o600)
	tests := []struct {
		name    string
		path    string
		env     map[string]string
		check   func(c *Config) bool
		wantErr string
	}{
		{name: "file", path: good, check: func(c *Config) bool {
			return len(c.Detect.Categories) == 2 && c.Detect.Categories[0] == detect.Jailbreak &&
				c.Detect.Thresholds[detect.Jailbreak] == 0.8 && c.Detect.MaxBytes == 4096
		}},
		{name: "defaults", path: "", check: func(c *Config) bool {
			return len(c.Detect.Categories) == 0 && c.Detect.MaxBytes == detect.DefaultMaxBytes
		}},
		{name: "env wins", path: good, env: map[string]string{
			"BULWARK_DETECT_CATEGORIES": "pii, secrets", "BULWARK_DETECT_THRESHOLDS": "pii=0.7, secrets=0.9",
		}, check: func(c *Config) bool {
			return len(c.Detect.Categories) == 2 && c.Detect.Categories[1] == detect.Secrets &&
				c.Detect.Thresholds[detect.Secrets] == 0.9 && c.Detect.Thresholds[detect.Jailbreak] == 0
		}},
		{name: "unknown category", path: badCat, wantErr: `unknown category "bogus"`},
		{name: "threshold out of range", path: badThr, wantErr: "threshold for pii is 1.5"},
		{name: "env unknown category", env: map[string]string{"BULWARK_DETECT_THRESHOLDS": "nope=0.5"}, wantErr: `unknown category "nope"`},
		{name: "env malformed map", env: map[string]string{"BULWARK_DETECT_THRESHOLDS": "pii"}, wantErr: "BULWARK_DETECT_THRESHOLDS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := Load(tt.path, envMap(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("detect = %+v", c.Detect)
			}
		})
	}
}

func TestMaskedUpstreamKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.yaml")
	os.WriteFile(path, []byte("serve:\n  upstreams:\n    - {name: oa, kind: openai, base_url: https://api.openai.com/v1, api_key: sk-verysecret123}\n"), 0o600)
	c, _, err := Load(path, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Masked().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "verysecret") || !strings.Contains(string(out), "'****'") {
		t.Errorf("upstream key not masked:\n%s", out)
	}
	if c.Serve.Upstreams[0].APIKey != "sk-verysecret123" {
		t.Errorf("masking wrote through to the config: %q", c.Serve.Upstreams[0].APIKey)
	}
}
