package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Event is one dispatched event.
type Event struct {
	// Name is the "event:" field; empty means "message".
	Name string
	// Data is the "data:" lines joined by "\n".
	Data []byte
}

// ErrTooLarge is returned when a line or an event exceeds the reader's bound.
var ErrTooLarge = errors.New("sse: event too large")

// Reader reads events from a stream.
type Reader struct {
	br  *bufio.Reader
	max int
}

// NewReader returns a Reader whose events (and lines) are at most max bytes.
func NewReader(r io.Reader, max int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 16<<10), max: max}
}

// readLine returns one line without its terminator (LF, CR or CRLF).
func (r *Reader) readLine() ([]byte, error) {
	var line []byte
	for {
		frag, err := r.br.ReadSlice('\n')
		if len(line)+len(frag) > r.max+2 {
			return nil, ErrTooLarge
		}
		line = append(line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return bytes.TrimRight(line, "\r\n"), nil
			}
			return nil, err
		}
		break
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// Next returns the next event. It returns io.EOF at the end of the stream;
// a final event not terminated by a blank line is still returned.
func (r *Reader) Next() (Event, error) {
	var ev Event
	var data []byte
	hasData := false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && hasData {
				return Event{Name: ev.Name, Data: data}, nil
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if hasData {
				return Event{Name: ev.Name, Data: data}, nil
			}
			ev.Name = ""
			continue
		}
		if line[0] == ':' {
			continue // comment
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "event":
			ev.Name = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			if len(data)+len(value) > r.max {
				return Event{}, ErrTooLarge
			}
			data = append(data, value...)
			hasData = true
		}
	}
}

// Write writes ev in wire form: optional "event:" line, one "data:" line per
// line of Data, then a blank line.
func Write(w io.Writer, ev Event) error {
	var b bytes.Buffer
	if ev.Name != "" {
		fmt.Fprintf(&b, "event: %s\n", ev.Name)
	}
	for _, l := range bytes.Split(ev.Data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(l)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
