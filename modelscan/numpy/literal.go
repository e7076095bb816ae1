package numpy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A tiny parser for the Python literals in a .npy header: dicts, tuples,
// lists, strings, integers, True/False/None. Nothing is evaluated.

type lit struct {
	kind  byte // 's' string, 'i' int, 'b' bool, 'n' None, 't' tuple, 'l' list, 'd' dict
	s     string
	i     int64
	b     bool
	items []lit // tuple, list; dict: key, value, ...
}

type litParser struct {
	s     string
	pos   int
	depth int
}

const maxLitDepth = 32

var errLit = errors.New("invalid Python literal")

func parseLiteral(s string) (lit, error) {
	p := &litParser{s: s}
	v, err := p.value()
	if err != nil {
		return lit{}, err
	}
	p.ws()
	if p.pos != len(p.s) {
		return lit{}, fmt.Errorf("%w: trailing text at %d", errLit, p.pos)
	}
	return v, nil
}

func (p *litParser) ws() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *litParser) value() (lit, error) {
	p.ws()
	if p.pos >= len(p.s) {
		return lit{}, fmt.Errorf("%w: unexpected end", errLit)
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.seq('}', 'd')
	case c == '(':
		return p.seq(')', 't')
	case c == '[':
		return p.seq(']', 'l')
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		p.pos++
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		if p.pos < len(p.s) && p.s[p.pos] == 'L' {
			p.pos++
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(p.s[start:p.pos], "L"), 10, 64)
		if err != nil {
			return lit{}, fmt.Errorf("%w: integer %q", errLit, p.s[start:p.pos])
		}
		return lit{kind: 'i', i: n}, nil
	default:
		for _, w := range []struct {
			word string
			v    lit
		}{{"True", lit{kind: 'b', b: true}}, {"False", lit{kind: 'b'}}, {"None", lit{kind: 'n'}}} {
			if strings.HasPrefix(p.s[p.pos:], w.word) {
				p.pos += len(w.word)
				return w.v, nil
			}
		}
		return lit{}, fmt.Errorf("%w: unexpected %q at %d", errLit, c, p.pos)
	}
}

func (p *litParser) seq(end byte, kind byte) (lit, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxLitDepth {
		return lit{}, fmt.Errorf("%w: nested too deep", errLit)
	}
	p.pos++
	out := lit{kind: kind}
	for {
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == end {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return lit{}, err
		}
		out.items = append(out.items, v)
		p.ws()
		if kind == 'd' {
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				return lit{}, fmt.Errorf("%w: expected ':' at %d", errLit, p.pos)
			}
			p.pos++
			v, err := p.value()
			if err != nil {
				return lit{}, err
			}
			out.items = append(out.items, v)
			p.ws()
		}
		if p.pos >= len(p.s) {
			return lit{}, fmt.Errorf("%w: unexpected end", errLit)
		}
		if p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.s[p.pos] != end {
			return lit{}, fmt.Errorf("%w: expected ',' at %d", errLit, p.pos)
		}
	}
}

func (p *litParser) str() (lit, error) {
	q := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == q:
			p.pos++
			return lit{kind: 's', s: b.String()}, nil
		case c == '\\' && p.pos+1 < len(p.s):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return lit{}, fmt.Errorf("%w: unterminated string", errLit)
}

func (l lit) get(key string) (lit, bool) {
	for i := 0; i+1 < len(l.items); i += 2 {
		if l.items[i].kind == 's' && l.items[i].s == key {
			return l.items[i+1], true
		}
	}
	return lit{}, false
}
