package runner

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar, redrawn at most every 100 ms.
type progress struct {
	w     io.Writer
	total int
	last  time.Time
	start time.Time
	line  string
}

func newProgress(w io.Writer, total, done int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	p.update(done, 0, 0)
	return p
}

func (p *progress) update(done, succ, errs int) {
	if p.w == nil {
		return
	}
	const width = 30
	fill := width
	if p.total > 0 {
		fill = width * done / p.total
	}
	p.line = fmt.Sprintf("\r[%s%s] %d/%d attempts, %d succeeded, %d errors, %s",
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, p.total, succ, errs, time.Since(p.start).Round(time.Second))
	if time.Since(p.last) < 100*time.Millisecond && done < p.total {
		return
	}
	p.last = time.Now()
	fmt.Fprint(p.w, p.line)
}

func (p *progress) finish() {
	if p.w == nil {
		return
	}
	fmt.Fprint(p.w, p.line+"\n")
}
