package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
