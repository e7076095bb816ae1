package redactstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/detect"
)

func engine(t testing.TB) *detect.Engine {
	t.Helper()
	e, err := detect.New(detect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestStream(t *testing.T) {
	cases := []struct {
		name, in, want string
		opt            Options
		changed        int
		mode           Mode
	}{
		{"jsonl default field",
			`{"id":7,"text":"mail a@example.com","meta":{"email":"b@example.com"}}` + "\n" + `{"id":8,"text":"nothing"}` + "\n",
			`{"id":7,"text":"mail [EMAIL_1]","meta":{"email":"b@example.com"}}` + "\n" + `{"id":8,"text":"nothing"}` + "\n",
			Options{}, 1, ModeJSONL},
		{"jsonl nested field keeps order and numbers",
			`{"z":1.50,"messages":[{"role":"user","content":"ssn 123-45-6789 <b>"},{"role":"assistant","content":"ok","n":1e3}],"a":null}`,
			`{"z":1.50,"messages":[{"role":"user","content":"ssn [SSN_1] <b>"},{"role":"assistant","content":"ok","n":1e3}],"a":null}`,
			Options{Fields: []string{"messages"}}, 1, ModeJSONL},
		{"all fields", `{"a":"x@example.com","b":["y@example.com",true],"c":"x@example.com"}` + "\r\n",
			`{"a":"[EMAIL_1]","b":["[EMAIL_2]",true],"c":"[EMAIL_1]"}` + "\r\n", Options{Fields: []string{"*"}}, 1, ModeJSONL},
		{"blank lines kept", "\n" + `{"text":"a@example.com"}` + "\n\n",
			"\n" + `{"text":"[EMAIL_1]"}` + "\n\n", Options{}, 1, ModeJSONL},
		{"text mode", "call +44 20 7946 0958\nplain line\nlast a@example.com",
			"call [PHONE_1]\nplain line\nlast [EMAIL_1]", Options{}, 2, ModeText},
		{"forced text mode on json", `{"text":"a@example.com"}`, `{"text":"[EMAIL_1]"}`, Options{Mode: ModeText}, 1, ModeText},
		{"empty input", "", "", Options{}, 0, ModeText},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			sum, err := Stream(context.Background(), engine(t), strings.NewReader(c.in), &out, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("output\n%q\nwant\n%q", out.String(), c.want)
			}
			if sum.Changed != c.changed || sum.Mode != c.mode {
				t.Errorf("summary %+v, want changed %d mode %s", sum, c.changed, c.mode)
			}
		})
	}
}

func TestStreamErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
		opt            Options
	}{
		{"bad json names line", `{"text":"a"}` + "\n" + `{"text": nope}` + "\n", "data.jsonl:2: bad JSON value", Options{Name: "data.jsonl"}},
		{"not an object", `{"text":"a"}` + "\n[1,2]\n", "data.jsonl:2: not a JSON object", Options{Name: "data.jsonl"}},
		{"trailing data", `{"text":"a"} {"b":1}`, "data after the object", Options{}},
		{"line too long", "short\n" + strings.Repeat("x", 300) + "\nshort\n", "input:2: line too long (more than 100 bytes)", Options{MaxLine: 100}},
		{"bad mode", "x", "mode \"csv\"", Options{Mode: "csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Stream(context.Background(), engine(t), strings.NewReader(c.in), &bytes.Buffer{}, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
	_, err := Stream(context.Background(), engine(t), strings.NewReader(strings.Repeat("y", 200000)), &bytes.Buffer{}, Options{MaxLine: 100000})
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("want ErrLineTooLong, got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Stream(ctx, engine(t), strings.NewReader("a\n"), &bytes.Buffer{}, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestSummaryString(t *testing.T) {
	s := Summary{Lines: 3, Changed: 2, Mode: ModeJSONL, Counts: map[string]int{"phone": 1, "email": 2}}
	if got, want := s.String(), "3 lines (jsonl), 2 changed, 3 values replaced: email 2, phone 1"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func FuzzStream(f *testing.F) {
	f.Add(`{"text":"mail a@example.com","x":[1,{"y":"z"}]}` + "\n")
	f.Add("plain 4111 1111 1111 1111\r\n")
	f.Add(`{"text":["a",{"b":"c@example.com"}]}`)
	e := engine(f)
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		sum, err := Stream(context.Background(), e, strings.NewReader(in), &out, Options{Fields: []string{"*"}, MaxLine: 4096, Mode: ModeJSONL})
		if err != nil {
			return
		}
		// Every object line that went in valid comes out valid.
		for _, line := range strings.Split(out.String(), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !json.Valid([]byte(line)) {
				t.Fatalf("invalid JSON out: %q (summary %v)", line, sum)
			}
		}
	})
}

func BenchmarkStreamJSONL(b *testing.B) {
	var in strings.Builder
	for i := 0; i < 1000; i++ {
		in.WriteString(`{"id":1,"text":"Contact Jane at jane.doe@example.com or +44 20 7946 0958 about the order shipped yesterday."}` + "\n")
	}
	e := engine(b)
	data := in.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Stream(context.Background(), e, strings.NewReader(data), &bytes.Buffer{}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "a\nb\r\tc\x01\x1f", "<b>&amp;</b>", "é日本\u2028\u2029", "bad \xff\xfe utf8", "[EMAIL_1]"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, got, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(ref, &want)
		if back != want {
			t.Errorf("%q -> %s -> %q", s, got, back)
		}
	}
	if got := string(appendString(nil, "<&>")); got != `"<&>"` {
		t.Errorf("HTML escaped: %s", got)
	}
}

// TestStreamParallelOrder: many workers give the same output, in the same
// order, as one.
func TestStreamParallelOrder(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 500; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&in, `{"i":%d,"text":"mail user%d@example.com"}`+"\n", i, i)
		case 1:
			fmt.Fprintf(&in, `{"i":%d,"text":"nothing here %d"}`+"\n", i, i)
		default:
			fmt.Fprintf(&in, `{"i":%d,"text":"call +44 20 7946 %04d"}`+"\n", i, i)
		}
	}
	run := func(workers int) (string, Summary) {
		var out bytes.Buffer
		sum, err := Stream(context.Background(), engine(t), strings.NewReader(in.String()), &out, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), sum
	}
	one, s1 := run(1)
	many, s8 := run(8)
	if one != many || s1.Lines != 500 || s8.Changed != s1.Changed || s8.Total() != s1.Total() {
		t.Fatalf("parallel output differs: %v vs %v", s1, s8)
	}
	if !strings.Contains(one, `{"i":3,"text":"mail [EMAIL_1]"}`) || strings.Contains(one, "@example.com") {
		t.Fatal("not redacted")
	}
}

// TestStreamStopsAtBadLine: the output holds every line before the bad
// one and nothing after it, whatever the number of workers.
func TestStreamStopsAtBadLine(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 200; i++ {
		if i == 120 {
			in.WriteString("{broken\n")
			continue
		}
		fmt.Fprintf(&in, `{"text":"line %d"}`+"\n", i)
	}
	var out bytes.Buffer
	sum, err := Stream(context.Background(), engine(t), strings.NewReader(in.String()), &out, Options{Name: "d.jsonl", Workers: 8})
	if err == nil || !strings.Contains(err.Error(), "d.jsonl:121:") {
		t.Fatalf("error %v", err)
	}
	if sum.Lines != 120 || strings.Count(out.String(), "\n") != 120 || !strings.HasSuffix(out.String(), `{"text":"line 119"}`+"\n") {
		t.Fatalf("summary %v, output ends %q", sum, out.String()[max(0, out.Len()-40):])
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n > 100 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestStreamWriteError(t *testing.T) {
	in := strings.Repeat(`{"text":"some words to fill the buffer up"}`+"\n", 5000)
	_, err := Stream(context.Background(), engine(t), strings.NewReader(in), &failWriter{}, Options{Workers: 4})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v", err)
	}
}
