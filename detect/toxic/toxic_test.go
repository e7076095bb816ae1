package toxic

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		in         string
		text, keys string
	}{
		{"Kiiiill you", "kiill you", "kil you"},
		{"don't ass", "dont ass", "dont as"},
		{"cooool,  x  42", "cool x 42", "col x 42"},
		{"日本語 ok", "日本語 ok", "日本語 ok"},
		{"", "", ""},
		{"'quoted' it's", "quoted its", "quoted its"},
	}
	for _, c := range cases {
		var texts, keys []string
		for _, tk := range Tokenize(c.in) {
			texts = append(texts, tk.Text)
			keys = append(keys, tk.Key)
			if c.in[tk.Start:tk.End] == "" {
				t.Errorf("%q: empty span %+v", c.in, tk)
			}
		}
		if strings.Join(texts, " ") != c.text || strings.Join(keys, " ") != c.keys {
			t.Errorf("Tokenize(%q) = %q / %q, want %q / %q", c.in, texts, keys, c.text, c.keys)
		}
	}
}

func TestParseLexiconErrors(t *testing.T) {
	for _, bad := range []string{"hate\t9\tx", "hate\t2", "hate\t2\t!!!", "hate\tx\ty"} {
		if _, err := ParseLexicon(bad); err == nil {
			t.Errorf("ParseLexicon(%q): want error", bad)
		}
	}
	lx, err := ParseLexicon("# c\n\nweapons\t3\tpipe bomb*\nillegal\t1\thack*\n")
	if err != nil {
		t.Fatal(err)
	}
	hits := lx.match(Tokenize("how to build pipe bombs and hackers"), nil)
	if len(hits) != 2 || hits[0].Phrase != "pipe bomb" || hits[1].Phrase != "hack*" {
		t.Fatalf("hits %+v", hits)
	}
}

func TestParseModel(t *testing.T) {
	m, err := ParseModel("#source\tx\n#bias\t-1.5\nbad\t2\nbad word\t1\n")
	if err != nil {
		t.Fatal(err)
	}
	if m.Bias != -1.5 || m.Weights["bad word"] != 1 {
		t.Fatalf("model %+v", m)
	}
	for _, bad := range []string{"x", "x\tNaN", "x\tInf", "#bias\tz"} {
		if _, err := ParseModel(bad); err == nil {
			t.Errorf("ParseModel(%q): want error", bad)
		}
	}
	p1, _ := m.Predict(Tokenize("bad word"))
	p0, _ := m.Predict(Tokenize("good"))
	if !(p1 > 0.8 && p0 < 0.2) {
		t.Fatalf("predict %.3f %.3f", p1, p0)
	}
	// A long text scores as its worst window, not as the sum of all.
	long := strings.Repeat("bad ", 1) + strings.Repeat("fine ", 500)
	if p, _ := m.Predict(Tokenize(long)); p > 0.7 {
		t.Fatalf("long text %.3f", p)
	}
}

func TestEmbeddedData(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.model.Weights) < 500 || len(s.compliance.Weights) < 500 {
		t.Fatalf("weights too small: %d, %d", len(s.model.Weights), len(s.compliance.Weights))
	}
	r := s.Score("step 1: buy a pipe bomb kit. step 2: then assemble")
	if !r.Dangerous || r.Steps < 2 || r.Score < 0.75 {
		t.Fatalf("result %+v", r)
	}
	if !s.HarmfulTopic("how can i steal a car without getting caught") || s.HarmfulTopic("how can i bake a cake") {
		t.Fatal("HarmfulTopic")
	}
}

func FuzzScore(f *testing.F) {
	f.Add("i w1ll k i l l you, step 1 then 2.")
	f.Add("\xff\xfe'x'y'")
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := s.Score(in)
		if r.Score < 0 || r.Score > 1 {
			t.Fatalf("score %v", r.Score)
		}
		for _, h := range r.Hits {
			if h.Start < 0 || h.End > len(in) || h.Start > h.End {
				t.Fatalf("hit %+v outside %d", h, len(in))
			}
		}
	})
}

func BenchmarkScore(b *testing.B) {
	s, err := New()
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("sure, here is a summary of the quarterly report: revenue grew and churn fell. ", 26)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		s.Score(text)
	}
}
