package metrics

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestConfusion(t *testing.T) {
	s := []Sample{{0.9, true}, {0.8, false}, {0.6, true}, {0.4, true}, {0.2, false}, {0.1, false}}
	c := At(s, 0.5)
	if c != (Confusion{TP: 2, FP: 1, TN: 2, FN: 1}) {
		t.Fatalf("At = %+v", c)
	}
	if !near(c.Precision(), 2.0/3) || !near(c.Recall(), 2.0/3) || !near(c.F1(), 2.0/3) || !near(c.FPR(), 1.0/3) {
		t.Errorf("p=%v r=%v f1=%v fpr=%v", c.Precision(), c.Recall(), c.F1(), c.FPR())
	}
	if (Confusion{}).F1() != 0 || (Confusion{}).Precision() != 0 {
		t.Error("empty confusion must give 0")
	}
}

func TestROCAUC(t *testing.T) {
	tests := []struct {
		name string
		s    []Sample
		want float64
	}{
		{"perfect", []Sample{{0.9, true}, {0.8, true}, {0.2, false}}, 1},
		{"inverted", []Sample{{0.1, true}, {0.8, false}}, 0},
		{"all tied", []Sample{{0.5, true}, {0.5, false}, {0.5, true}, {0.5, false}}, 0.5},
		// positives 0.9, 0.6, 0.4; negatives 0.8, 0.2, 0.1: pairs won 3+2+2 = 7 of 9.
		{"mixed", []Sample{{0.9, true}, {0.8, false}, {0.6, true}, {0.4, true}, {0.2, false}, {0.1, false}}, 7.0 / 9},
		{"tie counts half", []Sample{{0.5, true}, {0.5, false}, {0.1, false}}, 0.75},
	}
	for _, tt := range tests {
		if got := ROCAUC(tt.s); !near(got, tt.want) {
			t.Errorf("%s: ROCAUC = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !math.IsNaN(ROCAUC([]Sample{{0.5, true}})) {
		t.Error("one class must give NaN")
	}
}

func TestTPRAtFPR(t *testing.T) {
	var s []Sample
	// 100 negatives scoring 0.00..0.99, positives at 0.995 (x5), 0.985 (x5), 0.5 (x10).
	for i := range 100 {
		s = append(s, Sample{float64(i) / 100, false})
	}
	for range 5 {
		s = append(s, Sample{0.995, true}, Sample{0.985, true})
	}
	for range 10 {
		s = append(s, Sample{0.5, true})
	}
	// 1% FPR allows one negative (0.99): the threshold 0.985 keeps 10 positives.
	tpr, th := TPRAtFPR(s, 0.01)
	if !near(tpr, 10.0/20) || !near(th, 0.985) {
		t.Errorf("TPR@1%% = %v at %v, want 0.5 at 0.985", tpr, th)
	}
	tpr, _ = TPRAtFPR(s, 0.02)
	if !near(tpr, 10.0/20) {
		t.Errorf("TPR@2%% = %v, want 0.5", tpr)
	}
	tpr, th = TPRAtFPR(s, 0)
	if !near(tpr, 5.0/20) || !near(th, 0.995) {
		t.Errorf("TPR@0%% = %v, want 0.25", tpr)
	}
	r := Summarise(s, 0.5)
	if r.N != 120 || r.Positives != 20 || r.Negatives != 100 || r.Confusion.TP != 20 || r.Confusion.FP != 50 {
		t.Errorf("Summarise = %+v", r)
	}
}
