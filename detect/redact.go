package detect

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bulwark-ai/bulwark/detect/pii"
	"github.com/bulwark-ai/bulwark/detect/secrets"
)

// Vault remembers what Redact replaced, so that placeholders in a later text
// (a model's answer) can be restored. A Vault belongs to one request or one
// conversation; it is safe for concurrent use.
//
// Placeholders look like "[EMAIL_1]": a type tag and a number, numbered per
// tag. The same value always gets the same placeholder within one vault.
// Restore replaces only placeholders this vault issued; one that a user
// typed themselves is left alone, and Redact never issues a placeholder
// that already appears in the text it redacts, so a typed "[EMAIL_1]" can
// never be turned into someone's address.
type Vault struct {
	mu sync.Mutex
	// entries maps a placeholder such as "[EMAIL_1]" to the original text.
	entries map[string]string
	// byValue maps tag + "\x00" + original to its placeholder.
	byValue map[string]string
	// next is the last number issued per tag.
	next map[string]int
	// taken holds placeholder-shaped strings seen in redacted input that
	// this vault did not issue; they are never issued.
	taken map[string]bool
}

// NewVault returns an empty vault. Its maps are made on first use, so an
// unused vault costs one small allocation.
func NewVault() *Vault { return &Vault{} }

// Len returns how many values the vault holds.
func (v *Vault) Len() int {
	if v == nil {
		return 0
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.entries)
}

// Restore replaces every placeholder this vault issued with its original
// value, also where the placeholder sits inside other text ("Mail[EMAIL_1]."),
// and whatever the case the model echoed it in ("[email_1]"). Anything else,
// including placeholder-shaped text the vault did not issue, is kept as is.
func (v *Vault) Restore(text string) string {
	if v == nil || strings.IndexByte(text, '[') < 0 {
		return text
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.entries) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		n := placeholderLen(text[i:])
		if n == 0 {
			continue
		}
		key := strings.ToUpper(text[i : i+n])
		orig, ok := v.entries[key]
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(orig)
		last = i + n
		i += n - 1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// placeholderLen returns the length of the placeholder ("[TAG_N]", tag
// letters and underscores, N digits, any case) at the start of s, or 0.
func placeholderLen(s string) int {
	const maxLen = 48
	i := 1
	letters := 0
	for i < len(s) && i < maxLen && (isASCIILetter(s[i]) || s[i] == '_') {
		if s[i] != '_' {
			letters++
		}
		i++
	}
	if letters == 0 || i >= len(s) || s[i-1] != '_' {
		return 0
	}
	digits := 0
	for i < len(s) && i < maxLen && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if digits == 0 || digits > 9 || i >= len(s) || s[i] != ']' {
		return 0
	}
	return i + 1
}

func isASCIILetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

// reserve marks every placeholder-shaped string in text that the vault did
// not issue as taken. The caller holds v.mu.
func (v *Vault) reserve(text string) {
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		if n := placeholderLen(text[i:]); n > 0 {
			key := strings.ToUpper(text[i : i+n])
			if _, ours := v.entries[key]; !ours {
				if v.taken == nil {
					v.taken = map[string]bool{}
				}
				v.taken[key] = true
			}
			i += n - 1
		}
	}
}

// placeholder returns the placeholder for value under tag, issuing a new one
// when the vault has not seen value. The caller holds v.mu.
func (v *Vault) placeholder(tag, value string) string {
	if v.entries == nil {
		v.entries, v.byValue, v.next = map[string]string{}, map[string]string{}, map[string]int{}
	}
	k := tag + "\x00" + value
	if p, ok := v.byValue[k]; ok {
		return p
	}
	for {
		v.next[tag]++
		p := "[" + tag + "_" + strconv.Itoa(v.next[tag]) + "]"
		if v.taken[p] {
			continue
		}
		v.byValue[k] = p
		v.entries[p] = value
		return p
	}
}

// RedactResult is the outcome of Redact.
type RedactResult struct {
	// Text with PII and secrets replaced by typed placeholders ("[EMAIL_1]").
	Text string
	// Vault restores the placeholders.
	Vault *Vault
	// Counts per type of what was replaced ("email", "card", ...).
	Counts map[string]int
}

// Redact replaces PII and secrets in text with typed placeholders, in a new
// vault.
func (e *Engine) Redact(ctx context.Context, text string) (RedactResult, error) {
	return e.RedactWith(ctx, NewVault(), text)
}

// RedactWith redacts text into an existing vault, so that the turns of one
// conversation share placeholders. A nil vault gets a new one.
func (e *Engine) RedactWith(ctx context.Context, v *Vault, text string) (RedactResult, error) {
	if err := ctx.Err(); err != nil {
		return RedactResult{}, err
	}
	if v == nil {
		v = NewVault()
	}
	spans := redactionSpans(text)
	res := RedactResult{Vault: v, Counts: map[string]int{}}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reserve(text)
	if len(spans) == 0 {
		res.Text = text
		return res, nil
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.start])
		b.WriteString(v.placeholder(s.tag, text[s.start:s.end]))
		res.Counts[s.kind]++
		last = s.end
	}
	b.WriteString(text[last:])
	res.Text = b.String()
	return res, nil
}

// redactSpan is one value to replace.
type redactSpan struct {
	start, end int
	kind       string // what it is, for Counts ("email", "aws_access_key")
	tag        string // the placeholder tag ("EMAIL", "AWS_KEY")
}

// Long texts are redacted window by window, so that no recogniser limit
// (pii.MaxInput, secrets.MaxMatches) leaves a value in place. Windows
// overlap by more than the longest value (a PEM private key block).
const (
	redactWindow  = 1 << 20
	redactOverlap = 16 << 10
)

// redactionSpans finds what Redact replaces, ordered and non-overlapping,
// looking through invisible characters planted inside values.
func redactionSpans(text string) []redactSpan {
	var out []redactSpan
	vis, vmap := stripInvisible(text)
	for start := 0; start < len(vis); start += redactWindow - redactOverlap {
		end := min(len(vis), start+redactWindow)
		chunk := vis[start:end]
		for _, m := range pii.Find(chunk) {
			out = append(out, redactSpan{start: start + m.Start, end: start + m.End, kind: string(m.Type), tag: pii.Placeholder(m.Type)})
		}
		out = secretSpans(chunk, start, out)
		if end == len(vis) {
			break
		}
	}
	for i := range out {
		out[i].start, out[i].end = mapSpan(vmap, out[i].start, out[i].end)
	}
	return mergeSpans(out)
}

// secretSpans appends the secrets of text (at offset base). When Find hits
// its match limit, the text is split in overlapping halves and each is
// searched again, so that every secret is found.
func secretSpans(text string, base int, out []redactSpan) []redactSpan {
	ms := secrets.Find([]byte(text))
	if len(ms) >= secrets.MaxMatches && len(text) > 4*redactOverlap {
		mid := len(text) / 2
		out = secretSpans(text[:mid+redactOverlap], base, out)
		return secretSpans(text[mid:], base+mid, out)
	}
	for _, m := range ms {
		out = append(out, redactSpan{start: base + m.Start, end: base + m.End, kind: m.Type, tag: secretTag(m.Type)})
	}
	return out
}

// mergeSpans orders spans and joins overlapping ones into one span (typed
// as the longer), so that no part of either value survives redaction.
func mergeSpans(ss []redactSpan) []redactSpan {
	if len(ss) < 2 {
		return ss
	}
	sort.Slice(ss, func(i, j int) bool {
		if ss[i].start != ss[j].start {
			return ss[i].start < ss[j].start
		}
		return ss[i].end > ss[j].end
	})
	out := ss[:1]
	for _, s := range ss[1:] {
		last := &out[len(out)-1]
		if s.start >= last.end {
			out = append(out, s)
			continue
		}
		if s.end-s.start > last.end-last.start {
			last.kind, last.tag = s.kind, s.tag
		}
		last.end = max(last.end, s.end)
	}
	return out
}
