package redactstream

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-ai/bulwark/detect"
)

// Redactor replaces personal data and secrets in a text, issuing
// placeholders from vault. *detect.Engine implements it. Stream uses one
// vault per line, so the fields of one record share placeholders and memory
// stays bounded.
type Redactor interface {
	RedactWith(ctx context.Context, vault *detect.Vault, text string) (detect.RedactResult, error)
}

// Mode says how input lines are read.
type Mode string

// The modes.
const (
	ModeAuto  Mode = "auto"  // JSON Lines when the first non-blank line starts with '{', else text
	ModeJSONL Mode = "jsonl" // every non-blank line is a JSON object
	ModeText  Mode = "text"  // every line is plain text
)

// DefaultMaxLine is the longest line Stream accepts unless told otherwise.
const DefaultMaxLine = 16 << 20

// Options configure Stream.
type Options struct {
	// Name names the input in errors ("data.jsonl", "stdin").
	Name string
	// Mode chooses how lines are read; empty means ModeAuto.
	Mode Mode
	// Fields are the top-level JSON fields to rewrite (a string field is
	// redacted, an array or object field has every string inside it
	// redacted); "*" means every field. Empty means "text".
	Fields []string
	// MaxLine bounds the length of one line in bytes; 0 means DefaultMaxLine.
	MaxLine int
	// Workers is how many lines are redacted at once; 0 means GOMAXPROCS.
	// Output order is input order whatever the value.
	Workers int
}

// Summary counts what Stream did.
type Summary struct {
	// Lines written, blank ones included (on an error, the lines before
	// the failing one).
	Lines int
	// Changed is how many lines had something replaced.
	Changed int
	// Counts per type of the values replaced.
	Counts map[string]int
	// Mode is the mode used (auto resolved).
	Mode Mode
}

// Total is the number of values replaced.
func (s Summary) Total() int {
	n := 0
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// String is a one-line summary, types sorted by name.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines (%s), %d changed, %d values replaced", s.Lines, s.Mode, s.Changed, s.Total())
	for i, k := range slices.Sorted(maps.Keys(s.Counts)) {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %d", k, s.Counts[k])
	}
	return b.String()
}

// ErrLineTooLong is wrapped by the error Stream returns for a line over
// Options.MaxLine.
var ErrLineTooLong = errors.New("line too long")

// Stream copies r to w with personal data and secrets replaced, one line at
// a time, redacting up to Options.Workers lines at once and writing them in
// input order. Memory use is bounded by about 4 × Workers × MaxLine whatever
// the input size. Errors name the input and the line number; on an error
// the output holds every line before the failing one.
func Stream(ctx context.Context, red Redactor, r io.Reader, w io.Writer, opt Options) (Summary, error) {
	if opt.Name == "" {
		opt.Name = "input"
	}
	if opt.MaxLine <= 0 {
		opt.MaxLine = DefaultMaxLine
	}
	if len(opt.Fields) == 0 {
		opt.Fields = []string{"text"}
	}
	mode := opt.Mode
	if mode == "" {
		mode = ModeAuto
	}
	switch mode {
	case ModeAuto, ModeJSONL, ModeText:
	default:
		return Summary{}, fmt.Errorf("mode %q is not auto, jsonl or text", mode)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan *lineJob, workers)
	order := make(chan *lineJob, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.counts = map[string]int{}
				j.out, j.changed, j.err = rewriteLine(ctx, red, j.mode, j.body, opt.Fields, j.counts)
				close(j.done)
			}
		}()
	}
	defer wg.Wait()

	// The reader decides the mode, reads bounded lines and hands each to a
	// worker and then to the writer below; readErr and finalMode are read
	// only after order is closed.
	var readErr error
	finalMode := mode
	go func() {
		defer close(order)
		defer close(jobs)
		br := bufio.NewReaderSize(r, 64<<10)
		var buf []byte
		for n := 1; ; n++ {
			if err := ctx.Err(); err != nil {
				readErr = err
				return
			}
			line, err := readLine(br, buf[:0], opt.MaxLine)
			buf = line
			if errors.Is(err, io.EOF) && len(line) == 0 {
				return
			}
			if err != nil && !errors.Is(err, io.EOF) {
				if errors.Is(err, ErrLineTooLong) {
					readErr = fmt.Errorf("%s:%d: %w (more than %d bytes)", opt.Name, n, err, opt.MaxLine)
				} else {
					readErr = fmt.Errorf("%s:%d: read: %w", opt.Name, n, err)
				}
				return
			}
			body, nl := splitEOL(line)
			if finalMode == ModeAuto && len(bytes.TrimSpace(body)) > 0 {
				finalMode = ModeText
				if bytes.TrimSpace(body)[0] == '{' {
					finalMode = ModeJSONL
				}
			}
			j := &lineJob{n: n, mode: finalMode, body: bytes.Clone(body), nl: bytes.Clone(nl), done: make(chan struct{})}
			select {
			case jobs <- j:
			case <-ctx.Done():
				readErr = ctx.Err()
				return
			}
			select {
			case order <- j:
			case <-ctx.Done():
				readErr = ctx.Err()
				return
			}
			if errors.Is(err, io.EOF) {
				return
			}
		}
	}()

	sum := Summary{Counts: map[string]int{}}
	bw := bufio.NewWriterSize(w, 64<<10)
	var firstErr error
	for j := range order {
		<-j.done
		if firstErr != nil {
			continue // draining after an error
		}
		if j.err != nil {
			firstErr = fmt.Errorf("%s:%d: %w", opt.Name, j.n, j.err)
			cancel()
			continue
		}
		sum.Lines++
		if j.changed {
			sum.Changed++
		}
		for k, v := range j.counts {
			sum.Counts[k] += v
		}
		_, err := bw.Write(j.out)
		if err == nil {
			_, err = bw.Write(j.nl)
		}
		if err != nil {
			firstErr = fmt.Errorf("write: %w", err)
			cancel()
		}
	}
	sum.Mode = finalMode
	if sum.Mode == ModeAuto {
		sum.Mode = ModeText
	}
	if firstErr == nil {
		firstErr = readErr
	}
	if err := bw.Flush(); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("write: %w", err)
	}
	return sum, firstErr
}

// lineJob is one line on its way through the workers.
type lineJob struct {
	n       int // 1-based line number
	mode    Mode
	body    []byte
	nl      []byte
	out     []byte
	changed bool
	counts  map[string]int
	err     error
	done    chan struct{} // closed when out, changed, counts and err are set
}

// readLine appends the next line (with its newline, if any) to buf,
// refusing lines longer than max.
func readLine(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > max+2 { // +2: room for "\r\n"
			return buf, ErrLineTooLong
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(bytes.TrimRight(buf, "\r\n")) > max {
			return buf, ErrLineTooLong
		}
		return buf, err
	}
}

// splitEOL splits a line into its body and its line ending ("\n", "\r\n", "").
func splitEOL(line []byte) ([]byte, []byte) {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		if n > 1 && line[n-2] == '\r' {
			return line[:n-2], line[n-2:]
		}
		return line[:n-1], line[n-1:]
	}
	return line, nil
}

// rewriteLine redacts one line body.
func rewriteLine(ctx context.Context, red Redactor, mode Mode, body []byte, fields []string, counts map[string]int) ([]byte, bool, error) {
	if mode == ModeText {
		r, err := red.RedactWith(ctx, detect.NewVault(), string(body))
		if err != nil {
			return nil, false, err
		}
		for k, v := range r.Counts {
			counts[k] += v
		}
		return []byte(r.Text), len(r.Counts) > 0, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return body, false, nil
	}
	return rewriteObject(ctx, red, body, fields, counts)
}
