package detect

import (
	"context"
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
func (*exfilDetector) Category() Category { return Exfiltration }

var (
	// ![alt](url) and [text](url).
	exMDLink = regexp.MustCompile(`(!?)\[[^\]\n]*\]\(\s*<?([^)\s>]+)`)
	// [ref]: url
	exMDRef = regexp.MustCompile(`(?m)^[ \t]{0,3}\[[^\]\n]{1,100}\]:[ \t]*<?([^\s>]+)`)
	// <tag ... src|href|action|data|poster=url
	exHTMLAttr = regexp.MustCompile(`(?i)<(img|a|iframe|script|link|source|video|audio|form|object|embed|image|input|frame|base)\b[^>]*?\b(src|href|action|data|poster|formaction|background)\s*=\s*["']?([^"'\s>]+)`)
	// A bare URL.
	exBareURL = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"'\x60)\]]+`)
	// Active HTML.
	exActiveTag = regexp.MustCompile(`(?i)<\s*(script|iframe|frame|object|embed|applet|meta\s+http-equiv|base|form|svg[^>]*\bonload)\b`)
	exHandler   = regexp.MustCompile(`(?i)<[a-z][a-z0-9]*\b[^>]*?\s(on[a-z]{3,24})\s*=`)
	exSrcdoc    = regexp.MustCompile(`(?i)\bsrcdoc\s*=`)
	exJSURL     = regexp.MustCompile(`(?i)\b(?:javascript|vbscript)\s*:`)
	// Template slots a prompt asks the model to fill: {data}, {{secret}},
	// $DATA, [INFO], <conversation>, %7Bdata%7D.
	exTemplate = regexp.MustCompile(`(?i)\{\{?[a-z_ ]{1,40}\}?\}|%7B[a-z_]{1,40}%7D|\$\{?[A-Z_]{3,40}\}?|\[[A-Z_]{3,40}\]|<[a-z_]{3,40}>`)
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
	if !strings.Contains(raw, ":") && !strings.Contains(raw, "<") && !strings.Contains(raw, "=") {
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
		if seen[start] {
			return
		}
		seen[start] = true
		if typ, s := judgeURL(u, image, sysKey); s > 0 {
			add(typ, start, start+len(u), s, u)
		}
	}
	for _, m := range exMDLink.FindAllStringSubmatchIndex(raw, 200) {
		judge(raw[m[4]:m[5]], m[4], m[3] > m[2])
	}
	for _, m := range exMDRef.FindAllStringSubmatchIndex(raw, 200) {
		judge(raw[m[2]:m[3]], m[2], false)
	}
	for _, m := range exHTMLAttr.FindAllStringSubmatchIndex(raw, 200) {
		tag := strings.ToLower(raw[m[2]:m[3]])
		auto := tag != "a" && tag != "form" && tag != "base"
		judge(raw[m[6]:m[7]], m[6], auto)
	}
	for _, m := range exBareURL.FindAllStringIndex(raw, 200) {
		judge(raw[m[0]:m[1]], m[0], false)
	}
	for _, m := range exActiveTag.FindAllStringSubmatchIndex(raw, 50) {
		add("html_"+strings.Fields(strings.ToLower(raw[m[2]:m[3]]))[0], m[0], m[1], 0.85, raw[m[0]:m[1]])
	}
	for _, m := range exHandler.FindAllStringSubmatchIndex(raw, 50) {
		add("html_event_handler", m[2], m[3], 0.8, raw[m[2]:m[3]])
	}
	for _, m := range exSrcdoc.FindAllStringIndex(raw, 20) {
		add("html_srcdoc", m[0], m[1], 0.8, raw[m[0]:m[1]])
	}
	for _, m := range exJSURL.FindAllStringIndex(raw, 50) {
		if !seen[m[0]] {
			add("javascript_url", m[0], m[1], 0.75, raw[m[0]:m[1]])
		}
	}
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
	if exTemplate.MatchString(u) || exTemplate.MatchString(decoded) {
		consider("url_template", 0.85+bump)
	}
	if sysKey != nil && overlapsTrigrams(decoded, sysKey) {
		consider("url_system_prompt", 0.95)
	}
	if len(decoded) > 4 {
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
