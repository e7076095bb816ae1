package pickle_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/bulwark-ai/bulwark/modelscan/pickle"
)

// dense returns a protocol 4 pickle of about n bytes made only of small
// opcodes: the analyser's worst case per byte.
func dense(n int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x80, 4, ']', 0x94})
	item := []byte{0x8c, 6, 'w', 'e', 'i', 'g', 'h', 't', 0x94, 'K', 7, 'J', 1, 2, 3, 4}
	for b.Len() < n {
		b.WriteByte('(')
		for i := 0; i < 1000 && b.Len() < n; i++ {
			b.Write(item)
		}
		b.WriteByte('e')
	}
	b.WriteByte('.')
	return b.Bytes()
}

func BenchmarkAnalyzeDense(b *testing.B) {
	data := dense(16 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := pickle.Analyze(context.Background(), bytes.NewReader(data), 0, int64(len(data)), pickle.Options{})
		if err != nil || res.Malformed != nil {
			b.Fatal(err, res.Malformed)
		}
	}
}
