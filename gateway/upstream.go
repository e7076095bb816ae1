package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// Wire formats an upstream speaks.
const (
	formatOpenAI    = "openai"
	formatAnthropic = "anthropic"
)

// upstream is one configured provider.
type upstream struct {
	name    string
	kind    string
	format  string
	base    *url.URL
	key     string
	version string
	models  []string
	timeout time.Duration
	retries int
	client  *http.Client
}

// newUpstreams validates the configured upstreams. Keys come from the
// config or from the named environment variable; they are never logged.
func newUpstreams(cfgs []Upstream, getenv func(string) string, client *http.Client) ([]*upstream, error) {
	var out []*upstream
	seen := map[string]bool{}
	for i, c := range cfgs {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("upstream%d", i+1)
		}
		if seen[name] {
			return nil, fmt.Errorf("serve.upstreams: duplicate name %q", name)
		}
		seen[name] = true
		u := &upstream{name: name, kind: strings.ToLower(c.Kind), key: c.APIKey, version: c.APIVersion,
			models: c.Models, timeout: c.Timeout, retries: c.Retries, client: client}
		if c.APIKeyEnv != "" && u.key == "" {
			u.key = getenv(c.APIKeyEnv)
		}
		base := c.BaseURL
		switch u.kind {
		case "openai", "":
			u.kind, u.format = "openai", formatOpenAI
			if base == "" {
				base = "https://api.openai.com/v1"
			}
		case "ollama":
			u.format = formatOpenAI
			if base == "" {
				base = "http://127.0.0.1:11434/v1"
			}
		case "compatible":
			u.format = formatOpenAI
		case "azure":
			u.format = formatOpenAI
			if u.version == "" {
				u.version = "2024-10-21"
			}
		case "anthropic":
			u.format = formatAnthropic
			if base == "" {
				base = "https://api.anthropic.com"
			}
			if u.version == "" {
				u.version = "2023-06-01"
			}
		default:
			return nil, fmt.Errorf("serve.upstreams %s: kind %q is not openai, azure, anthropic, ollama or compatible", name, c.Kind)
		}
		if base == "" {
			return nil, fmt.Errorf("serve.upstreams %s: base_url is required for kind %s", name, u.kind)
		}
		pu, err := url.Parse(strings.TrimRight(base, "/"))
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("serve.upstreams %s: base_url %q is not an http(s) URL", name, base)
		}
		u.base = pu
		if len(u.models) == 0 {
			u.models = []string{"*"}
		}
		for _, m := range u.models {
			if _, err := path.Match(m, ""); err != nil {
				return nil, fmt.Errorf("serve.upstreams %s: model pattern %q: %w", name, m, err)
			}
		}
		if u.timeout <= 0 {
			u.timeout = 120 * time.Second
		}
		if u.retries < 0 || u.retries > 10 {
			return nil, fmt.Errorf("serve.upstreams %s: retries must be in [0, 10]", name)
		}
		out = append(out, u)
	}
	return out, nil
}

// route returns the first upstream of format whose model patterns match model.
func route(ups []*upstream, format, model string) *upstream {
	for _, u := range ups {
		if u.format != format {
			continue
		}
		for _, m := range u.models {
			if ok, _ := path.Match(m, model); ok {
				return u
			}
		}
	}
	return nil
}

// endpointURL builds the URL of an API path such as "/chat/completions".
func (u *upstream) endpointURL(p string) string {
	v := *u.base
	if u.format == formatAnthropic {
		// Anthropic's base is the host root; paths carry /v1.
		v.Path = strings.TrimSuffix(v.Path, "/v1") + "/v1" + p
	} else {
		v.Path += p
	}
	if u.kind == "azure" {
		q := v.Query()
		q.Set("api-version", u.version)
		v.RawQuery = q.Encode()
	}
	return v.String()
}

func (u *upstream) setHeaders(h http.Header, clientAuth http.Header) {
	h.Set("Content-Type", "application/json")
	switch {
	case u.format == formatAnthropic:
		h.Set("anthropic-version", u.version)
		if u.key != "" {
			h.Set("x-api-key", u.key)
		} else if k := clientAuth.Get("x-api-key"); k != "" {
			h.Set("x-api-key", k)
		}
		if b := clientAuth.Get("anthropic-beta"); b != "" {
			h.Set("anthropic-beta", b)
		}
	case u.kind == "azure":
		if u.key != "" {
			h.Set("api-key", u.key)
		}
	default:
		if u.key != "" {
			h.Set("Authorization", "Bearer "+u.key)
		} else if a := clientAuth.Get("Authorization"); a != "" {
			h.Set("Authorization", a)
		}
	}
}

// retryable reports whether an upstream status is worth another attempt.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout || status == http.StatusInternalServerError
}

// do sends body to the endpoint p, retrying 429/5xx answers and connection
// errors with exponential backoff (or the upstream's Retry-After, up to 10 s).
// Each attempt's timeout covers the whole response for non-streams and the
// headers only for streams. The caller closes the returned body and must
// call the returned cancel when done with it.
func (u *upstream) do(ctx context.Context, method, p string, body []byte, stream bool, clientHdr http.Header, onRetry func()) (*http.Response, context.CancelFunc, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithCancel(ctx)
		timer := time.AfterFunc(u.timeout, cancel)
		var rd *bytes.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		var req *http.Request
		var err error
		if rd != nil {
			req, err = http.NewRequestWithContext(actx, method, u.endpointURL(p), rd)
		} else {
			req, err = http.NewRequestWithContext(actx, method, u.endpointURL(p), nil)
		}
		if err != nil {
			timer.Stop()
			cancel()
			return nil, nil, err
		}
		u.setHeaders(req.Header, clientHdr)
		if stream {
			req.Header.Set("Accept", "text/event-stream")
		}
		resp, err := u.client.Do(req)
		var wait time.Duration
		switch {
		case err == nil && !retryable(resp.StatusCode):
			if stream {
				timer.Stop()
			}
			return resp, func() { timer.Stop(); cancel() }, nil
		case err == nil:
			lastErr = fmt.Errorf("upstream %s: HTTP %d", u.name, resp.StatusCode)
			if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s >= 0 {
				wait = min(time.Duration(s)*time.Second, 10*time.Second)
			}
			if attempt >= u.retries {
				if stream {
					timer.Stop()
				}
				return resp, func() { timer.Stop(); cancel() }, nil
			}
			resp.Body.Close()
		default:
			lastErr = err
			if ctx.Err() != nil {
				timer.Stop()
				cancel()
				return nil, nil, ctx.Err()
			}
		}
		timer.Stop()
		cancel()
		if attempt >= u.retries {
			return nil, nil, fmt.Errorf("upstream %s: giving up after %d attempts: %w", u.name, attempt+1, lastErr)
		}
		if wait == 0 {
			base := 100 * time.Millisecond << attempt
			wait = base/2 + rand.N(base/2+1)
		}
		if onRetry != nil {
			onRetry()
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// newTransport returns the shared HTTP client: keep-alive connections
// reused across requests and upstreams, TLS 1.2 or later.
func newTransport() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2048
	tr.MaxIdleConnsPerHost = 1024
	tr.IdleConnTimeout = 90 * time.Second
	tr.ResponseHeaderTimeout = 0
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}
}
