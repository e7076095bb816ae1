// Command toxtrain retrains the learned term weights of package toxic from
// the labelled data in ../shared/data (train splits only):
//
//	go run ./detect/toxic/internal/toxtrain -data ../shared/data -out detect/toxic
//
// It writes weights.tsv (toxicity, from toxicity/train.jsonl: hate speech
// or offensive = 1) and compliance.tsv (harmful compliance, from
// responses/train.jsonl: jailbroken = 1). The model is L2-regularised
// logistic regression over squeezed word unigrams and bigrams of the
// normalised text, trained with AdaGrad, classes weighted to balance, in a
// fixed order, so the output is reproducible. Only the strongest terms are
// kept.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bulwark-ai/bulwark/detect/normalize"
	"github.com/bulwark-ai/bulwark/detect/toxic"
)

func main() {
	data := flag.String("data", filepath.Join("..", "shared", "data"), "shared data directory")
	out := flag.String("out", filepath.Join("detect", "toxic"), "directory to write weights.tsv and compliance.tsv")
	flag.Parse()
	if err := run(*data, *out); err != nil {
		slog.Error("toxtrain", "err", err)
		os.Exit(1)
	}
}

// task is one model to train.
type task struct {
	file, field, outName string
	fixedBias            *float64 // nil: learn the bias
	biasShift            float64  // added to the learned bias (a prior shift)
	keep                 int
}

func run(data, out string) error {
	tasks := []task{
		// Toxic text is rare in real traffic but 83% of the tweets: the bias
		// is learned on balanced classes and then shifted towards a low prior.
		{file: "toxicity/train.jsonl", field: "text", outName: "weights.tsv", biasShift: -1.5, keep: 2000},
		{file: "responses/train.jsonl", field: "response", outName: "compliance.tsv", keep: 1500},
	}
	for _, t := range tasks {
		xs, ys, err := load(filepath.Join(data, t.file), t.field)
		if err != nil {
			return err
		}
		bias, w := train(xs, ys, t.fixedBias)
		bias += t.biasShift
		if err := write(filepath.Join(out, t.outName), t, bias, w); err != nil {
			return err
		}
		fmt.Printf("%s: %d rows, %d terms kept -> %s\n", t.file, len(xs), min(t.keep, len(w)), filepath.Join(out, t.outName))
	}
	return nil
}

// load reads one JSONL file into feature lists and labels.
func load(path, field string) ([][]string, []float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var xs [][]string
	var ys []float64
	sc := bufio.NewScanner(io.LimitReader(f, 1<<30))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		text, _ := row[field].(string)
		label, _ := row["label"].(float64)
		xs = append(xs, toxic.Features(toxic.Tokenize(normalize.Fold(text))))
		ys = append(ys, label)
	}
	return xs, ys, sc.Err()
}

// train fits the logistic model and returns the bias and the weights of
// features seen in at least 3 rows.
func train(xs [][]string, ys []float64, fixedBias *float64) (float64, map[string]float64) {
	df := map[string]int{}
	for _, x := range xs {
		for _, f := range x {
			df[f]++
		}
	}
	idx := map[string]int{}
	var names []string
	for f, n := range df {
		if n >= 3 {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for i, f := range names {
		idx[f] = i
	}
	rows := make([][]int, len(xs))
	for i, x := range xs {
		for _, f := range x {
			if j, ok := idx[f]; ok {
				rows[i] = append(rows[i], j)
			}
		}
	}
	var pos float64
	for _, y := range ys {
		pos += y
	}
	neg := float64(len(ys)) - pos
	wPos, wNeg := float64(len(ys))/(2*pos), float64(len(ys))/(2*neg)

	w := make([]float64, len(names))
	g2 := make([]float64, len(names))
	bias, gb := 0.0, 0.0
	if fixedBias != nil {
		bias = *fixedBias
	}
	const (
		lr     = 0.3
		lambda = 1e-4
		epochs = 10
	)
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	r := rand.New(rand.NewPCG(20261124, 1))
	for ep := 0; ep < epochs; ep++ {
		r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			z := bias
			for _, j := range rows[i] {
				z += w[j]
			}
			p := 1 / (1 + math.Exp(-z))
			cw := wNeg
			if ys[i] == 1 {
				cw = wPos
			}
			g := cw * (p - ys[i])
			for _, j := range rows[i] {
				gj := g + lambda*w[j]*float64(len(xs))/float64(df[names[j]])
				g2[j] += gj * gj
				w[j] -= lr * gj / (1e-8 + math.Sqrt(g2[j]))
			}
			if fixedBias == nil {
				gb += g * g
				bias -= lr * g / (1e-8 + math.Sqrt(gb))
			}
		}
	}
	out := make(map[string]float64, len(names))
	for j, f := range names {
		out[f] = w[j]
	}
	return bias, out
}

// write keeps the t.keep terms of largest |weight| and writes them sorted
// by term, so retraining gives small diffs.
func write(path string, t task, bias float64, w map[string]float64) error {
	type tw struct {
		t string
		w float64
	}
	var all []tw
	for k, v := range w {
		if math.Abs(v) >= 0.05 {
			all = append(all, tw{k, v})
		}
	}
	sort.Slice(all, func(a, b int) bool {
		if math.Abs(all[a].w) != math.Abs(all[b].w) {
			return math.Abs(all[a].w) > math.Abs(all[b].w)
		}
		return all[a].t < all[b].t
	})
	if len(all) > t.keep {
		all = all[:t.keep]
	}
	sort.Slice(all, func(a, b int) bool { return all[a].t < all[b].t })
	var b strings.Builder
	fmt.Fprintf(&b, "#source\t%s (train split), logistic regression, squeezed unigrams+bigrams; retrain: go run ./detect/toxic/internal/toxtrain\n", t.file)
	fmt.Fprintf(&b, "#bias\t%.4f\n", bias)
	for _, x := range all {
		fmt.Fprintf(&b, "%s\t%.4f\n", x.t, x.w)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
