package fuzz

import (
	"testing"
	"unicode/utf8"
)

func TestGenerate(t *testing.T) {
	a := Generate(Options{N: 200, Seed: 5, MaxLen: 64})
	b := Generate(Options{N: 200, Seed: 5, MaxLen: 64})
	c := Generate(Options{N: 200, Seed: 6, MaxLen: 64})
	if len(a) != 200 {
		t.Fatalf("%d prompts", len(a))
	}
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic")
		}
		if a[i] == c[i] {
			same++
		}
		if a[i] == "" || !utf8.ValidString(a[i]) || utf8.RuneCountInString(a[i]) > 4*64+10 {
			t.Fatalf("bad prompt %q", a[i])
		}
	}
	if same > 100 {
		t.Error("seed has little effect")
	}
	for _, mode := range []string{Random, Grammar} {
		if len(Generate(Options{N: 10, Mode: mode})) != 10 {
			t.Errorf("mode %s", mode)
		}
	}
	p := Probe(a)
	if len(p.Variants()) != 200 || p.Judge.Canary == false {
		t.Errorf("probe = %+v", p.Judge)
	}
}
