package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestROCAUC(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"inverted", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []bool{false, true, false, true}, 0.5},
		{"one swap", []float64{0.1, 0.6, 0.5, 0.9}, []bool{false, false, true, true}, 0.75},
		{"tie across classes", []float64{0.1, 0.5, 0.5, 0.9}, []bool{false, false, true, true}, 0.875},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ROCAUC(tt.scores, tt.labels)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("ROCAUC = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestROCAUCMatchesPairCount checks the rank formula against the
// definition on random data with many ties.
func TestROCAUCMatchesPairCount(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		n := 2 + r.IntN(60)
		scores := make([]float64, n)
		labels := make([]bool, n)
		for i := range scores {
			scores[i] = float64(r.IntN(8))
			labels[i] = r.IntN(2) == 0
		}
		labels[0], labels[1] = true, false
		var num, den float64
		for i := range scores {
			for j := range scores {
				if labels[i] && !labels[j] {
					den++
					switch {
					case scores[i] > scores[j]:
						num++
					case scores[i] == scores[j]:
						num += 0.5
					}
				}
			}
		}
		got, err := ROCAUC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-num/den) > 1e-12 {
			t.Fatalf("trial %d: ROCAUC = %v, pair count %v", trial, got, num/den)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := ROCAUC([]float64{1, 2}, []bool{true, true}); !errors.Is(err, ErrNoData) {
		t.Errorf("one class: err = %v, want ErrNoData", err)
	}
	if _, err := ROCAUC([]float64{1}, []bool{true, false}); !errors.Is(err, ErrMismatch) {
		t.Errorf("length mismatch: err = %v, want ErrMismatch", err)
	}
	if _, err := At([]float64{math.NaN()}, []bool{true}, 0.5); !errors.Is(err, ErrBadScore) {
		t.Errorf("NaN: err = %v, want ErrBadScore", err)
	}
	if _, err := ThresholdAtFPR([]float64{1, 0}, []bool{true, false}, 1.5); err == nil {
		t.Error("FPR 1.5 accepted")
	}
	if _, _, err := TPRAtFPR([]float64{1, 0}, []bool{false, false}, 0.01); !errors.Is(err, ErrNoData) {
		t.Errorf("no positives: err = %v, want ErrNoData", err)
	}
	if _, _, err := BestF1(nil, nil); !errors.Is(err, ErrNoData) {
		t.Errorf("empty: err = %v, want ErrNoData", err)
	}
}

func TestThresholdAndTPRAtFPR(t *testing.T) {
	// 10 negatives scored 0..9, positives at 5.5, 8.5, 9.5, 20.
	var scores []float64
	var labels []bool
	for i := 0; i < 10; i++ {
		scores = append(scores, float64(i))
		labels = append(labels, false)
	}
	for _, s := range []float64{5.5, 8.5, 9.5, 20} {
		scores = append(scores, s)
		labels = append(labels, true)
	}
	tests := []struct {
		fpr     float64
		wantTPR float64
		wantFPR float64
	}{
		{0, 0.5, 0},      // above 9: 9.5 and 20
		{0.1, 0.75, 0.1}, // above 8: adds 8.5, flags negative 9
		{0.05, 0.5, 0},   // floor(0.5)=0 negatives allowed
		{0.45, 1, 0.4},   // above 5: flags 6,7,8,9
		{1, 1, 1},
	}
	for _, tt := range tests {
		tpr, th, err := TPRAtFPR(scores, labels, tt.fpr)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := At(scores, labels, th)
		if tpr != tt.wantTPR || c.FPR() != tt.wantFPR {
			t.Errorf("fpr<=%v: tpr=%v fpr=%v (threshold %v), want tpr=%v fpr=%v", tt.fpr, tpr, c.FPR(), th, tt.wantTPR, tt.wantFPR)
		}
		if c.FPR() > tt.fpr {
			t.Errorf("fpr<=%v: achieved %v", tt.fpr, c.FPR())
		}
	}
}

func TestConfusionAndBestF1(t *testing.T) {
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	labels := []bool{false, false, true, true}
	c, err := At(scores, labels, 0.35)
	if err != nil {
		t.Fatal(err)
	}
	if c != (Confusion{TP: 2, FP: 1, TN: 1, FN: 0}) {
		t.Fatalf("At = %+v", c)
	}
	if p, r := c.Precision(), c.Recall(); math.Abs(p-2.0/3) > 1e-12 || r != 1 {
		t.Errorf("precision %v recall %v", p, r)
	}
	if f := c.F1(); math.Abs(f-0.8) > 1e-12 {
		t.Errorf("F1 = %v, want 0.8", f)
	}
	th, best, err := BestF1(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	// Threshold 0.8 gives F1 2/3; 0.35 gives 0.8; 0.1 gives 2/3.
	if th != 0.35 || math.Abs(best.F1()-0.8) > 1e-12 {
		t.Errorf("BestF1 = %v %+v", th, best)
	}
	if (Confusion{}).F1() != 0 || (Confusion{}).Precision() != 0 {
		t.Error("empty confusion must give zeros")
	}
}

func TestSummarise(t *testing.T) {
	samples := []Sample{{0.9, true}, {0.8, true}, {0.7, false}, {0.2, false}, {0.1, false}}
	r := Summarise(samples, 0.75)
	if r.N != 5 || r.Positives != 2 || r.Negatives != 3 {
		t.Fatalf("%+v", r)
	}
	if r.Precision != 1 || r.Recall != 1 || r.ROCAUC != 1 || r.TPRAt1FPR != 1 {
		t.Fatalf("%+v", r)
	}
	one := Summarise([]Sample{{0.5, true}}, 0.5)
	if !math.IsNaN(one.ROCAUC) {
		t.Fatalf("AUC with one class = %v", one.ROCAUC)
	}
}
