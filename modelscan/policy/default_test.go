package policy

import "testing"

// TestDefaultConsistent checks the built-in data: every explicitly allowed
// name classifies as allowed (no deny entry shadows it), every explicitly
// denied name as denied, and every deny entry says why.
func TestDefaultConsistent(t *testing.T) {
	f, err := Parse(defaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	p := Default()
	for _, e := range f.Allow {
		for _, n := range e.Names {
			if n == "*" {
				continue
			}
			mod := e.Module
			if len(mod) > 2 && mod[len(mod)-2:] == ".*" {
				mod = mod[:len(mod)-2] + ".sub"
			}
			if v := p.Classify(mod, n); v.Class != Allowed {
				t.Errorf("allow %s.%s classifies as %v", mod, n, v.Class)
			}
		}
	}
	for _, e := range f.Deny {
		if e.Why == "" {
			t.Errorf("deny %s has no why", e.Module)
		}
		for _, n := range e.Names {
			if n == "*" {
				n = "anything"
			}
			mod := e.Module
			if len(mod) > 2 && mod[len(mod)-2:] == ".*" {
				mod = mod[:len(mod)-2] + ".sub"
			}
			if v := p.Classify(mod, n); v.Class != Denied {
				t.Errorf("deny %s.%s classifies as %v", mod, n, v.Class)
			}
		}
	}
}
