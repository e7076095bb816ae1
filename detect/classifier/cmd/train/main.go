// Command train rebuilds the weights of Bulwark's injection and jailbreak
// classifier from the labelled prompts in ../shared/data/prompts (see its
// README), prints train and dev metrics, and writes the model file and its
// checksum:
//
//	go run ./detect/classifier/cmd/train -data ../shared/data/prompts -out detect/classifier/model.bin
//
// With -loso it also validates by leaving each source out in turn. It
// trains on train.jsonl only; dev.jsonl is used for reporting.
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulwark-ai/bulwark/detect/classifier"
	"github.com/bulwark-ai/bulwark/detect/metrics"
	"github.com/bulwark-ai/bulwark/detect/normalize"
)

// maxLine bounds one JSONL row; the data's rows are under 20,000 characters.
const maxLine = 1 << 20

// maxFile bounds one data file.
const maxFile = 256 << 20

type row struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Label    int    `json:"label"`
	Category string `json:"category"`
	Source   string `json:"source"`

	folded string
	tag    string
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	data := fs.String("data", "../shared/data/prompts", "folder holding train.jsonl and dev.jsonl")
	outPath := fs.String("out", "detect/classifier/model.bin", "model file to write (its .sha256 checksum is written beside it as model.sha256)")
	cfg := classifier.ShippedConfig()
	fs.IntVar(&cfg.Bits, "bits", cfg.Bits, "log2 of the number of hashed weight buckets")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "training epochs")
	fs.Float64Var(&cfg.L2, "l2", cfg.L2, "L2 regularisation per update")
	fs.Float64Var(&cfg.LearningRate, "lr", cfg.LearningRate, "AdaGrad learning rate")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the shuffles and augmentation")
	fs.StringVar(&cfg.Version, "version", cfg.Version, "model version string")
	fs.IntVar(&cfg.Augment, "augment", cfg.Augment, "obfuscated copies added per fitting row (0 disables)")
	synth := fs.Int("synth", classifier.ShippedSynthetic, "synthetic examples per class, generated from the templates in synth.go (0 disables)")
	loso := fs.Bool("loso", false, "also validate by leaving each source out")
	losoOnly := fs.String("loso-only", "", "comma-separated source tags to leave out (default: every tag)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	train, err := readRows(filepath.Join(*data, "train.jsonl"))
	if err != nil {
		return err
	}
	dev, err := readRows(filepath.Join(*data, "dev.jsonl"))
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "data read", "train", len(train), "dev", len(dev))

	model, err := classifier.Train(examples(train, *synth, cfg.Seed), cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "model %s  %d-bit buckets  threshold %.4f  sha256 %s\n\n", model.Version(), cfg.Bits, model.Threshold(), model.Checksum())
	fmt.Fprintln(out, "| split | rows | ROC-AUC | TPR at 1% FPR | F1 @thr | precision | recall | FPR | FPR hard_negative | FPR benign_document |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range []struct {
		name string
		rows []row
	}{{"train", train}, {"dev", dev}} {
		line, err := evaluate(model, s.rows)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(out, "| %s | %d | %s |\n", s.name, len(s.rows), line)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| dev at p>=0.5 | F1 | precision | recall | FPR | FPR hard_negative | FPR benign_document |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|")
	{
		s, l := scores(model, dev)
		c, err := metrics.At(s, l, 0.5)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "| dev | %.4f | %.4f | %.4f | %.2f%% | %s | %s |\n", c.F1(), c.Precision(), c.Recall(), 100*c.FPR(),
			categoryFPR(dev, s, 0.5, "hard_negative"), categoryFPR(dev, s, 0.5, "benign_document"))
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| dev category | rows | flagged at threshold |")
	fmt.Fprintln(out, "|---|---|---|")
	for _, c := range categories(dev) {
		n, flagged := 0, 0
		for _, r := range dev {
			if r.Category == c {
				n++
				if model.Score(r.folded) >= model.Threshold() {
					flagged++
				}
			}
		}
		fmt.Fprintf(out, "| %s | %d | %.1f%% |\n", c, n, 100*float64(flagged)/float64(n))
	}

	if *loso {
		if err := leaveSourcesOut(out, train, *synth, cfg, *losoOnly); err != nil {
			return err
		}
	}

	enc, err := model.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*outPath, enc, 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	sumPath := filepath.Join(filepath.Dir(*outPath), "model.sha256")
	if err := os.WriteFile(sumPath, []byte(model.Checksum()+"\n"), 0o644); err != nil {
		return fmt.Errorf("write checksum: %w", err)
	}
	fmt.Fprintf(out, "\nwrote %s (%d bytes) and %s\n", *outPath, len(enc), sumPath)
	return nil
}

// readRows reads one JSONL split, folds each text and derives its source
// tag from the id (the id is the tag plus 12 hex digits).
func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxFile))
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var rows []row
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var r row
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if r.Label != 0 && r.Label != 1 {
			return nil, fmt.Errorf("%s:%d: label %d, want 0 or 1", path, n, r.Label)
		}
		r.folded = normalize.Fold(r.Text)
		r.tag = sourceTag(r.ID)
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

func sourceTag(id string) string {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return id
	}
	if _, err := hex.DecodeString(id[i+1:]); err != nil {
		return id
	}
	return id[:i]
}

// examples turns rows into training examples and appends `synth`
// synthetic examples per class.
func examples(rows []row, synth int, seed uint64) []classifier.Example {
	ex := make([]classifier.Example, 0, len(rows)+2*synth)
	for _, row := range rows {
		ex = append(ex, classifier.Example{Text: row.folded, Raw: row.Text, Malicious: row.Label == 1})
	}
	if synth > 0 {
		ex = append(ex, classifier.SyntheticExamples(synth, classifier.SyntheticRand(seed))...)
	}
	return ex
}

func scores(m *classifier.Model, rows []row) ([]float64, []bool) {
	s := make([]float64, len(rows))
	l := make([]bool, len(rows))
	for i, r := range rows {
		s[i] = m.Score(r.folded)
		l[i] = r.Label == 1
	}
	return s, l
}

func evaluate(m *classifier.Model, rows []row) (string, error) {
	s, l := scores(m, rows)
	auc, err := metrics.ROCAUC(s, l)
	if err != nil {
		return "", err
	}
	tpr, _, err := metrics.TPRAtFPR(s, l, 0.01)
	if err != nil {
		return "", err
	}
	c, err := metrics.At(s, l, m.Threshold())
	if err != nil {
		return "", err
	}
	fprOf := func(cat string) string { return categoryFPR(rows, s, m.Threshold(), cat) }
	return fmt.Sprintf("%.4f | %.1f%% | %.4f | %.4f | %.4f | %.2f%% | %s | %s",
		auc, 100*tpr, c.F1(), c.Precision(), c.Recall(), 100*c.FPR(), fprOf("hard_negative"), fprOf("benign_document")), nil
}

// categoryFPR is the share of the rows of one (benign) category scoring at
// or above the threshold.
func categoryFPR(rows []row, s []float64, threshold float64, cat string) string {
	n, fp := 0, 0
	for i, r := range rows {
		if r.Category == cat {
			n++
			if s[i] >= threshold {
				fp++
			}
		}
	}
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f%% (%d/%d)", 100*float64(fp)/float64(n), fp, n)
}

func categories(rows []row) []string {
	var cs []string
	for _, r := range rows {
		if !slices.Contains(cs, r.Category) {
			cs = append(cs, r.Category)
		}
	}
	slices.Sort(cs)
	return cs
}

// leaveSourcesOut trains once per source tag of train on all the other
// tags and scores the held-out tag's rows.
func leaveSourcesOut(out io.Writer, train []row, synth int, cfg classifier.TrainConfig, only string) error {
	var tags []string
	for _, r := range train {
		if only != "" && !slices.Contains(strings.Split(only, ","), r.tag) {
			continue
		}
		if !slices.Contains(tags, r.tag) {
			tags = append(tags, r.tag)
		}
	}
	slices.Sort(tags)
	fmt.Fprintln(out, "\nLeave-one-source-out (train on the other sources of train, score the held-out source; threshold = that model's stored threshold):")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| held-out source | malicious rows | benign rows | ROC-AUC | TPR at threshold | FPR at threshold | TPR at p>=0.5 | FPR at p>=0.5 |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|")
	var allS []float64
	var allL []bool
	for _, tag := range tags {
		var in, held []row
		for _, r := range train {
			if r.tag == tag {
				held = append(held, r)
			} else {
				in = append(in, r)
			}
		}
		m, err := classifier.Train(examples(in, synth, cfg.Seed), cfg)
		if err != nil {
			return fmt.Errorf("leave out %s: %w", tag, err)
		}
		s, l := scores(m, held)
		allS = append(allS, s...)
		allL = append(allL, l...)
		c, err := metrics.At(s, l, m.Threshold())
		if err != nil {
			return err
		}
		auc := "–"
		if v, err := metrics.ROCAUC(s, l); err == nil {
			auc = fmt.Sprintf("%.4f", v)
		} else if !errors.Is(err, metrics.ErrNoData) {
			return err
		}
		half, err := metrics.At(s, l, 0.5)
		if err != nil {
			return err
		}
		pos, neg := c.TP+c.FN, c.FP+c.TN
		rate := func(have int, v float64) string {
			if have == 0 {
				return "–"
			}
			return fmt.Sprintf("%.1f%%", 100*v)
		}
		fmt.Fprintf(out, "| %s | %d | %d | %s | %s | %s | %s | %s |\n", tag, pos, neg, auc,
			rate(pos, c.Recall()), rate(neg, c.FPR()), rate(pos, half.Recall()), rate(neg, half.FPR()))
	}
	if auc, err := metrics.ROCAUC(allS, allL); err == nil {
		fmt.Fprintf(out, "\npooled held-out ROC-AUC %.4f over %d rows (scores of different models, so only indicative)\n", auc, len(allS))
	}
	return nil
}
