package pickle

import (
	"math"
	"strconv"
	"strings"
)

// joblibArray handles joblib's dialect: after BUILD of a NumpyArrayWrapper
// the array's bytes follow in the file, outside any opcode (see joblib's
// numpy_pickle.py, NumpyArrayWrapper.write_array/read_array): a padding
// length byte and padding when numpy_array_alignment_bytes is set, then
// count*itemsize raw bytes, or a nested pickle for object arrays.
func (a *analyzer) joblibArray(obj *value) error {
	if obj.cls == nil || obj.cls.k != kGlobal {
		return nil
	}
	imp := a.res.Imports[obj.cls.n]
	if imp.Name != "NumpyArrayWrapper" || !strings.HasSuffix(imp.Module, "numpy_pickle") {
		return nil
	}
	st := obj.state
	if st == nil || st.k != kDict {
		return bad("joblib NumpyArrayWrapper without a state dict")
	}
	get := func(key string) *value {
		for i := 0; i+1 < len(st.items); i += 2 {
			if k := st.items[i]; k.k == kString && k.s == key {
				return st.items[i+1]
			}
		}
		return nil
	}
	shape, dtype, align := get("shape"), get("dtype"), get("numpy_array_alignment_bytes")
	if shape == nil || shape.k != kTuple || shape.big {
		return bad("joblib NumpyArrayWrapper with no readable shape")
	}
	count := int64(1)
	for _, d := range shape.items {
		if d.k != kInt || d.n < 0 {
			return bad("joblib NumpyArrayWrapper shape is not a tuple of sizes")
		}
		if d.n != 0 && count > math.MaxInt64/d.n {
			return bad("joblib NumpyArrayWrapper shape overflows")
		}
		count *= d.n
	}
	itemsize, isObject, ok := dtypeInfo(dtype)
	if !ok {
		return bad("joblib NumpyArrayWrapper with no readable dtype")
	}
	a.res.JoblibArrays++
	if isObject {
		return a.nestedPickle()
	}
	if align != nil && align.k != kNone {
		pad, err := a.s.readByte()
		if err != nil {
			return err
		}
		if err := a.s.skip(int64(pad)); err != nil {
			return err
		}
	}
	if itemsize != 0 && count > math.MaxInt64/itemsize {
		return bad("joblib array size overflows")
	}
	return a.s.skip(count * itemsize)
}

// nestedPickle analyses a pickle embedded in the stream (joblib object
// arrays) with a fresh stack and memo, then resumes the outer pickle.
func (a *analyzer) nestedPickle() error {
	if a.nested >= maxNested {
		return &limitHit{"joblib object arrays nested too deep"}
	}
	stack, marks, memo, memoLen := a.stack, a.marks, a.memo, a.memoLen
	a.nested++
	a.stack, a.marks = nil, nil
	err := a.one()
	a.nested--
	a.stack, a.marks, a.memo, a.memoLen = stack, marks, memo, memoLen
	return err
}

// dtypeInfo reads a pickled numpy.dtype: REDUCE(numpy.dtype, ("f8", False,
// True)) then BUILD with (3, "<", None, names, fields, elsize, ...).
func dtypeInfo(v *value) (itemsize int64, isObject, ok bool) {
	if v == nil || v.k != kObject || v.args == nil || v.args.k != kTuple || len(v.args.items) == 0 {
		return 0, false, false
	}
	t := v.args.items[0]
	if t.k != kString || t.s == "" {
		return 0, false, false
	}
	kindChar := t.s[0]
	if kindChar == '|' || kindChar == '<' || kindChar == '>' || kindChar == '=' {
		if len(t.s) < 2 {
			return 0, false, false
		}
		kindChar = t.s[1]
		t = &value{k: kString, s: t.s[1:]}
	}
	if kindChar == 'O' {
		return 8, true, true
	}
	if st := v.state; st != nil && st.k == kTuple && len(st.items) > 5 && st.items[5].k == kInt && st.items[5].n > 0 {
		return st.items[5].n, false, true
	}
	n, err := strconv.ParseInt(t.s[1:], 10, 64)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0, false, false
	}
	if kindChar == 'U' {
		n *= 4
	}
	return n, false, true
}
