package safetensors

// fastParse parses the canonical header layout that writers produce (no
// escapes, tensor entries with exactly dtype, shape and data_offsets,
// string metadata) without encoding/json's token machinery. It succeeds
// only when the header is well formed and raises no problem at all; any
// other input (errors, duplicates, escapes, unusual numbers, extra fields)
// returns ok=false and is parsed by the full path, which reports what is
// wrong. FuzzFastParse checks that both paths agree.
func fastParse(raw []byte) (*Header, bool) {
	p := &fastParser{b: raw}
	h := &Header{Len: int64(len(raw)), Metadata: map[string]string{}}
	seen := map[string]bool{}
	p.ws()
	if !p.eat('{') {
		return nil, false
	}
	p.ws()
	if p.eat('}') {
		return h, p.end()
	}
	for {
		p.ws()
		key, ok := p.str()
		if !ok || seen[key] {
			return nil, false
		}
		seen[key] = true
		p.ws()
		if !p.eat(':') {
			return nil, false
		}
		p.ws()
		if key == "__metadata__" {
			if !p.metadata(h) {
				return nil, false
			}
		} else {
			if len(h.Tensors) >= MaxTensors {
				return nil, false
			}
			t, ok := p.tensor(key)
			if !ok {
				return nil, false
			}
			h.Tensors = append(h.Tensors, *t)
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			return h, p.end()
		}
		return nil, false
	}
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) && isSpace(p.b[p.i]) {
		p.i++
	}
}

func (p *fastParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end accepts only trailing spaces.
func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// str reads a string without escapes or control characters.
func (p *fastParser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	s := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			v := string(p.b[s:p.i])
			p.i++
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// uint reads a JSON non-negative integer (no sign, fraction or exponent).
func (p *fastParser) uint() (uint64, bool) {
	s := p.i
	var v uint64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		d := uint64(p.b[p.i] - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
		p.i++
	}
	n := p.i - s
	if n == 0 || (n > 1 && p.b[s] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	return v, true
}

func (p *fastParser) uints(max int) ([]uint64, bool) {
	if !p.eat('[') {
		return nil, false
	}
	out := []uint64{}
	p.ws()
	if p.eat(']') {
		return out, true
	}
	for {
		p.ws()
		v, ok := p.uint()
		if !ok || len(out) >= max {
			return nil, false
		}
		out = append(out, v)
		p.ws()
		if p.eat(',') {
			continue
		}
		return out, p.eat(']')
	}
}

func (p *fastParser) tensor(name string) (*Tensor, bool) {
	if !p.eat('{') {
		return nil, false
	}
	var dtype string
	var shape, offs []uint64
	var haveD, haveS, haveO bool
	for {
		p.ws()
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.ws()
		if !p.eat(':') {
			return nil, false
		}
		p.ws()
		switch {
		case k == "dtype" && !haveD:
			dtype, ok = p.str()
			haveD = true
		case k == "shape" && !haveS:
			shape, ok = p.uints(64)
			haveS = true
		case k == "data_offsets" && !haveO:
			offs, ok = p.uints(2)
			haveO = true
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if !p.eat('}') || !haveD || !haveS || !haveO || len(offs) != 2 {
			return nil, false
		}
		break
	}
	bitsPer, ok := dtypeBits[dtype]
	if !ok || offs[0] > offs[1] {
		return nil, false
	}
	size, ok := byteSize(shape, bitsPer)
	if !ok || size != offs[1]-offs[0] {
		return nil, false
	}
	return &Tensor{Name: name, DType: dtype, Shape: shape, Begin: offs[0], End: offs[1]}, true
}

func (p *fastParser) metadata(h *Header) bool {
	if !p.eat('{') {
		return false
	}
	p.ws()
	if p.eat('}') {
		return true
	}
	seen := map[string]bool{}
	for {
		p.ws()
		k, ok := p.str()
		if !ok || seen[k] {
			return false
		}
		seen[k] = true
		p.ws()
		if !p.eat(':') {
			return false
		}
		p.ws()
		v, ok := p.str()
		if !ok {
			return false
		}
		h.Metadata[k] = v
		p.ws()
		if p.eat(',') {
			continue
		}
		return p.eat('}')
	}
}
