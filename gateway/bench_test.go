package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkChatThroughGateway measures one non-streamed chat completion
// through the gateway (default policy, SQLite audit) to the test upstream.
func BenchmarkChatThroughGateway(b *testing.B) {
	h := newHarness(&testing.T{}, harnessOpts{})
	body := `{"model":"m","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Summarise the plot of a short story about a lighthouse keeper in two sentences."}]}`
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Post(h.url+"/v1/chat/completions", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
