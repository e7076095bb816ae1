package detect

import (
	"context"
	"iter"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/bulwark-ai/bulwark/detect/pii"
)

// exfilDetector finds output that would leak data or run code when a client
// renders it: markdown images (fetched with no click) and links whose URL
// carries data (long or encoded query values, template slots such as
// "{data}", the system prompt, personal data), data: and javascript: URLs,
// HTML/script injection, and links to raw IP hosts. It runs on responses
// and also on prompts and tool output, where the same markup is an attempt
// to make the model emit it.
type exfilDetector struct{}

func newExfilDetector() *exfilDetector { return &exfilDetector{} }

// Category implements Detector.
func (*exfilDetector) Categories() []Category { return []Category{Exfiltration} }

// exTemplate matches template slots a prompt asks the model to fill:
// {data}, {{secret}}, $DATA, [INFO], <conversation>, %7Bdata%7D. It runs on
// single URLs only.
var exTemplate = regexp.MustCompile(`(?i)\{\{?[a-z_ ]{1,40}\}?\}|%7B[a-z_]{1,40}%7D|\$\{?[A-Z_]{3,40}\}?|\[[A-Z_]{3,40}\]|<[a-z_]{3,40}>`)

// Tags whose URL attribute a client fetches or runs without a click, and
// tags that are active by themselves.
var (
	exFetchTags  = map[string]bool{"img": true, "iframe": true, "frame": true, "script": true, "link": true, "source": true, "video": true, "audio": true, "object": true, "embed": true, "image": true, "input": true, "track": true}
	exClickTags  = map[string]bool{"a": true, "form": true, "base": true, "area": true, "button": true}
	exActiveTags = map[string]bool{"script": true, "iframe": true, "frame": true, "object": true, "embed": true, "applet": true, "base": true, "form": true, "meta": true}
	exURLAttrs   = map[string]bool{"src": true, "href": true, "action": true, "data": true, "poster": true, "formaction": true, "background": true, "xlink:href": true}
)

// exfilRoleWeight: markup a model emits is the attack itself; markup in a
// prompt or document is an attempt to make it do so.
func exfilRoleWeight(r Role) float64 {
	switch r {
	case RoleResponse:
		return 1
	case RoleTool, RoleRetrieved:
		return 0.9
	case RoleSystem:
		return 0.5
	}
	return 0.8
}

// Detect implements Detector.
func (d *exfilDetector) Detect(ctx context.Context, doc *Document) (Detection, error) {
	if err := ctx.Err(); err != nil {
		return Detection{}, err
	}
	raw := doc.Raw
	var det Detection
	if strings.IndexByte(raw, ':') < 0 && strings.IndexByte(raw, '<') < 0 {
		return det, nil
	}
	w := exfilRoleWeight(doc.Input.Role)
	var sysKey map[string]bool
	if doc.Input.SystemPrompt != "" {
		sysKey = wordTrigrams(doc.Input.SystemPrompt)
	}
	add := func(typ string, start, end int, score float64, ev string) {
		score = contentClamp(score * w)
		det.Spans = append(det.Spans, Span{Category: Exfiltration, Type: typ, Rule: "exfil." + typ, Start: start, End: end, Score: score, Evidence: contentExcerpt(ev)})
		det.Score = max(det.Score, score)
	}
	seen := map[int]bool{} // URL start offsets already judged
	judge := func(u string, start int, image bool) {
		if u == "" || seen[start] {
			return
		}
		seen[start] = true
		if typ, s := judgeURL(u, image, sysKey); s > 0 {
			add(typ, start, start+len(u), s, u)
		}
	}
	scanMarkdownLinks(raw, judge)
	scanHTML(raw, judge, add)
	scanBareURLs(raw, judge)
	scanScriptURLs(raw, seen, add)
	return det, nil
}

// judgeURL scores one URL: what makes it dangerous and how much. image
// means a client fetches it without a click.
func judgeURL(u string, image bool, sysKey map[string]bool) (string, float64) {
	low := strings.ToLower(strings.TrimSpace(u))
	switch {
	case strings.HasPrefix(low, "javascript:"), strings.HasPrefix(low, "vbscript:"):
		return "javascript_url", 0.95
	case strings.HasPrefix(low, "data:"):
		if strings.HasPrefix(low, "data:text/html") || strings.HasPrefix(low, "data:application/") || strings.HasPrefix(low, "data:image/svg") {
			return "data_url_active", 0.9
		}
		return "data_url", 0.6
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return "", 0
	}
	bump := 0.0
	if image {
		bump = 0.1
	}
	best, typ := 0.0, ""
	consider := func(t string, s float64) {
		if s > best {
			best, typ = s, t
		}
	}
	// Data in the URL: decoded query and path.
	decoded, err := url.QueryUnescape(strings.ReplaceAll(pu.RawQuery+" "+pu.EscapedPath(), "+", "%2B"))
	if err != nil {
		decoded = pu.RawQuery + " " + pu.Path
	}
	if strings.ContainsAny(decoded, "{$[<") && exTemplate.MatchString(decoded) || strings.Contains(strings.ToLower(u), "%7b") && exTemplate.MatchString(u) {
		consider("url_template", 0.85+bump)
	}
	if sysKey != nil && overlapsTrigrams(decoded, sysKey) {
		consider("url_system_prompt", 0.95)
	}
	if len(decoded) > 4 && mayHoldPII(decoded) {
		if ms := pii.Find(decoded); len(ms) > 0 {
			consider("url_pii", 0.8+bump)
		}
	}
	for _, vs := range pu.Query() {
		for _, v := range vs {
			switch {
			case looksEncoded(v):
				consider("url_encoded_data", 0.7+bump)
			case len(v) >= 48 || (strings.Count(v, " ") >= 4 && len(v) >= 24):
				consider("url_long_value", 0.6+bump)
			}
		}
	}
	if seg := longestPathSegment(pu.Path); looksEncoded(seg) && len(seg) >= 32 {
		consider("url_encoded_data", 0.6+bump)
	}
	host := pu.Hostname()
	if a, err := netip.ParseAddr(host); err == nil && !a.IsLoopback() {
		consider("raw_ip_host", 0.55+bump)
	}
	return typ, min(best, 1)
}

// looksEncoded reports whether v looks like base64 or hex data rather than
// a word or an id: long, without spaces, mixing cases and digits.
func looksEncoded(v string) bool {
	if len(v) < 24 {
		return false
	}
	var up, lo, dig, other int
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up++
		case c >= 'a' && c <= 'z':
			lo++
		case c >= '0' && c <= '9':
			dig++
		case c == '+' || c == '/' || c == '=' || c == '-' || c == '_' || c == '%':
		default:
			other++
		}
	}
	if other > 0 {
		return false
	}
	hex := up+lo > 0 && isHexString(v) && dig > 0
	return hex || (up > 0 && lo > 0 && dig > 0) || strings.Count(v, "%") >= 6
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func longestPathSegment(p string) string {
	best := ""
	for _, s := range strings.Split(p, "/") {
		if len(s) > len(best) {
			best = s
		}
	}
	return best
}

// wordTrigrams returns the set of consecutive lower-case word triples of s
// (words of letters and digits), the fingerprint the leakage and
// exfiltration detectors compare texts with.
func wordTrigrams(s string) map[string]bool {
	ws := contentWords(s)
	set := make(map[string]bool, len(ws))
	for i := 0; i+3 <= len(ws); i++ {
		set[ws[i]+" "+ws[i+1]+" "+ws[i+2]] = true
	}
	return set
}

// overlapsTrigrams reports whether s shares a word trigram with set.
func overlapsTrigrams(s string, set map[string]bool) bool {
	ws := contentWords(s)
	for i := 0; i+3 <= len(ws); i++ {
		if set[ws[i]+" "+ws[i+1]+" "+ws[i+2]] {
			return true
		}
	}
	return false
}

// contentWords splits s into lower-case words of letters and digits
// (ASCII folded; other letters kept as they are).
func contentWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80 && r != 0x2019)
	})
}

// maxScan bounds how many candidates of each kind one text gets judged, so
// that a hostile text of many tiny links costs bounded work.
const maxScan = 500

// urlEnd returns the end of a URL starting at i: up to whitespace, a
// quote, '<', '>', or (in markdown) the closing parenthesis.
func urlEnd(s string, i int, stopParen bool) int {
	j := i
	for j < len(s) && j-i < 8192 {
		c := s[j]
		if c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || (stopParen && c == ')') {
			break
		}
		j++
	}
	return j
}

// occurrences yields, left to right, the offsets in s at which find (an
// index function such as strings.Index with its needle bound) locates a
// match of width bytes, at most limit of them.
func occurrences(s string, width, limit int, find func(string) int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for off, n := 0, 0; n < limit; n++ {
			k := find(s[off:])
			if k < 0 {
				return
			}
			i := off + k
			off = i + width
			if !yield(i) {
				return
			}
		}
	}
}

// scanMarkdownLinks finds ![alt](url), [text](url) and [ref]: url.
func scanMarkdownLinks(raw string, judge func(string, int, bool)) {
	n := 0
	for i := range occurrences(raw, len("]("), maxScan, func(s string) int { return strings.Index(s, "](") }) {
		n++
		// Find the opening '[' on the same line, at most 300 bytes back.
		open := -1
		for j := i - 1; j >= 0 && i-j <= 300 && raw[j] != '\n'; j-- {
			if raw[j] == '[' {
				open = j
				break
			}
		}
		if open < 0 {
			continue
		}
		image := open > 0 && raw[open-1] == '!'
		u := i + 2
		for u < len(raw) && (raw[u] == ' ' || raw[u] == '<') {
			u++
		}
		judge(raw[u:urlEnd(raw, u, true)], u, image)
	}
	for i := range occurrences(raw, len("]:"), 2*maxScan-n, func(s string) int { return strings.Index(s, "]:") }) {
		ls := strings.LastIndexByte(raw[:i], '\n') + 1
		line := strings.TrimLeft(raw[ls:i], " \t")
		if !strings.HasPrefix(line, "[") || strings.ContainsAny(line[1:], "[]") {
			continue
		}
		u := i + 2
		for u < len(raw) && (raw[u] == ' ' || raw[u] == '\t' || raw[u] == '<') {
			u++
		}
		judge(raw[u:urlEnd(raw, u, false)], u, false)
	}
}

// scanHTML reads each HTML start tag: active tags, event handlers, srcdoc,
// and the URL attributes of fetching and clickable tags.
func scanHTML(raw string, judge func(string, int, bool), add func(string, int, int, float64, string)) {
	for i := range occurrences(raw, 1, maxScan, func(s string) int { return strings.IndexByte(s, '<') }) {
		j := i + 1
		for j < len(raw) && raw[j] == ' ' {
			j++
		}
		ns := j
		for j < len(raw) && j-ns < 16 && isASCIILetter(raw[j]) {
			j++
		}
		if j == ns || (j < len(raw) && raw[j] != ' ' && raw[j] != '>' && raw[j] != '/' && raw[j] != '\t' && raw[j] != '\n') {
			continue
		}
		tag := strings.ToLower(raw[ns:j])
		end := strings.IndexByte(raw[j:min(len(raw), j+2000)], '>')
		if end < 0 {
			end = min(len(raw), j+2000)
		} else {
			end += j
		}
		attrs := raw[j:end]
		if exActiveTags[tag] && (tag != "meta" || indexFold(attrs, "http-equiv") >= 0) {
			add("html_"+tag, i, j, 0.85, raw[i:j])
		}
		if tag == "svg" && indexFold(attrs, "onload") >= 0 {
			add("html_svg", i, j, 0.85, raw[i:j])
		}
		fetch, click := exFetchTags[tag], exClickTags[tag]
		scanHTMLAttrs(attrs, j, fetch, click, judge, add)
	}
}

// scanHTMLAttrs reads the attributes (name[=value]) of one start tag,
// which begin at base in the text: event handlers, srcdoc, and URLs that
// the tag fetches (fetch) or links to (click).
func scanHTMLAttrs(attrs string, base int, fetch, click bool, judge func(string, int, bool), add func(string, int, int, float64, string)) {
	for a := 0; a < len(attrs); {
		for a < len(attrs) && !isAttrChar(attrs[a]) {
			a++
		}
		as := a
		for a < len(attrs) && isAttrChar(attrs[a]) {
			a++
		}
		name := strings.ToLower(attrs[as:a])
		for a < len(attrs) && attrs[a] == ' ' {
			a++
		}
		if a >= len(attrs) || attrs[a] != '=' {
			continue
		}
		a++
		for a < len(attrs) && attrs[a] == ' ' {
			a++
		}
		q := byte(0)
		if a < len(attrs) && (attrs[a] == '"' || attrs[a] == '\'') {
			q = attrs[a]
			a++
		}
		vs := a
		for a < len(attrs) && ((q != 0 && attrs[a] != q) || (q == 0 && attrs[a] > ' ')) {
			a++
		}
		val := attrs[vs:a]
		if a < len(attrs) && q != 0 {
			a++
		}
		switch {
		case len(name) > 2 && strings.HasPrefix(name, "on"):
			add("html_event_handler", base+as, base+as+len(name), 0.8, name)
		case name == "srcdoc":
			add("html_srcdoc", base+as, base+as+len(name), 0.8, name)
		case exURLAttrs[name] && (fetch || click):
			judge(val, base+vs, fetch)
		}
	}
}

func isAttrChar(c byte) bool {
	return isASCIILetter(c) || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':'
}

// scanBareURLs finds http, https and ftp URLs in running text.
func scanBareURLs(raw string, judge func(string, int, bool)) {
	for i := range occurrences(raw, len("://"), maxScan, func(s string) int { return strings.Index(s, "://") }) {
		s := i
		for s > 0 && i-s < 6 && isASCIILetter(raw[s-1]) {
			s--
		}
		scheme := strings.ToLower(raw[s:i])
		if scheme != "http" && scheme != "https" && scheme != "ftp" {
			continue
		}
		e := urlEnd(raw, i+3, false)
		for e > i+3 && strings.IndexByte(".,;:!?)]", raw[e-1]) >= 0 {
			e--
		}
		judge(raw[s:e], s, false)
	}
}

// scanScriptURLs finds javascript: and vbscript: anywhere (in markup the
// URL judge has already seen them).
func scanScriptURLs(raw string, seen map[int]bool, add func(string, int, int, float64, string)) {
	for i := range occurrences(raw, len("script"), maxScan, func(s string) int { return indexFold(s, "script") }) {
		var s int
		switch {
		case i >= 4 && strings.EqualFold(raw[i-4:i], "java"):
			s = i - 4
		case i >= 2 && strings.EqualFold(raw[i-2:i], "vb"):
			s = i - 2
		default:
			continue
		}
		j := i + 6
		for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t') {
			j++
		}
		if j >= len(raw) || raw[j] != ':' || seen[s] || (s > 0 && isASCIILetter(raw[s-1])) {
			continue
		}
		add("javascript_url", s, j+1, 0.75, raw[s:j+1])
	}
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring the
// ASCII case of s, without allocating.
func indexFold(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	c0 := needle[0] | 0x20
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 == c0 && strings.EqualFold(s[i:i+n], needle) {
			return i
		}
	}
	return -1
}

// mayHoldPII is a cheap filter before pii.Find: personal data in a URL
// has an '@' or at least seven digits.
func mayHoldPII(s string) bool {
	if strings.IndexByte(s, '@') >= 0 {
		return true
	}
	d := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d++
		}
	}
	return d >= 7
}
