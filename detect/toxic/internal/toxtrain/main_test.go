package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/detect/toxic"
)

// TestTrainLearns trains on a tiny synthetic set and checks that the words
// that carry the label get the weight, and that the output parses.
func TestTrainLearns(t *testing.T) {
	var xs [][]string
	var ys []float64
	for i := 0; i < 60; i++ {
		xs = append(xs, toxic.Features(toxic.Tokenize("you are a nasty rotten person "+strings.Repeat("x", i%5))))
		ys = append(ys, 1)
		xs = append(xs, toxic.Features(toxic.Tokenize("you are a kind lovely person "+strings.Repeat("y", i%5))))
		ys = append(ys, 0)
	}
	bias, w := train(xs, ys, nil)
	if !(w["nasty"] > 0.5 && w["lovely"] < -0.5) {
		t.Fatalf("weights nasty %.2f lovely %.2f", w["nasty"], w["lovely"])
	}
	path := filepath.Join(t.TempDir(), "w.tsv")
	if err := write(path, task{file: "x", keep: 10}, bias, w); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := toxic.ParseModel(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Weights) == 0 || len(m.Weights) > 10 {
		t.Fatalf("kept %d terms", len(m.Weights))
	}
	p1, _ := m.Predict(toxic.Tokenize("a nasty rotten thing"))
	p0, _ := m.Predict(toxic.Tokenize("a kind lovely thing"))
	if p1 <= p0 {
		t.Fatalf("p(nasty) %.2f <= p(lovely) %.2f", p1, p0)
	}
}
