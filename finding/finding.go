package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// MaxEvidence is the most bytes of evidence a finding keeps. Evidence is an
// excerpt for a reader, never a copy of the input.
const MaxEvidence = 512

// Location says where a finding was seen. Unused fields are zero; Offset is
// -1 when no byte offset applies.
type Location struct {
	// File is the path of the scanned file or folder entry.
	File string `json:"file,omitempty"`
	// Member is the path inside an archive (zip, tar) when the finding is in
	// a member; nested archives join their members with "!".
	Member string `json:"member,omitempty"`
	// Offset is the byte offset in File (or in Member when set); -1 when unknown.
	Offset int64 `json:"offset"`
	// Line is the 1-based line number for text inputs; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Start and End delimit a span in a text input (byte offsets), when known.
	Start int `json:"start,omitempty"`
	End   int `json:"end,omitempty"`
	// RequestID names the gateway request or red-team attempt.
	RequestID string `json:"request_id,omitempty"`
}

// Taxonomy maps a finding to public catalogues of AI and software weaknesses.
type Taxonomy struct {
	// OWASPLLM holds OWASP Top 10 for LLM Applications 2025 ids, e.g. "LLM01:2025".
	OWASPLLM []string `json:"owasp_llm,omitempty"`
	// ATLAS holds MITRE ATLAS technique ids, e.g. "AML.T0051".
	ATLAS []string `json:"mitre_atlas,omitempty"`
	// CWE holds CWE ids, e.g. "CWE-502".
	CWE []string `json:"cwe,omitempty"`
}

// Finding is one thing Bulwark found.
type Finding struct {
	// RuleID is the stable id of the rule that fired, e.g. "PICKLE001".
	RuleID string `json:"rule_id"`
	// Title is a short human name for the rule.
	Title string `json:"title"`
	// Severity ranks the finding.
	Severity Severity `json:"severity"`
	// Confidence in [0,1] that the finding is a true positive.
	Confidence float64 `json:"confidence"`
	// Category groups findings (e.g. "code_execution", "prompt_injection").
	Category string `json:"category,omitempty"`
	// Location says where.
	Location Location `json:"location"`
	// Message says what was found and why it matters.
	Message string `json:"message"`
	// Evidence is a bounded excerpt; set it with SetEvidence.
	Evidence string `json:"evidence,omitempty"`
	// Remediation says what to do about it.
	Remediation string `json:"remediation,omitempty"`
	// Taxonomy maps the finding to OWASP LLM, MITRE ATLAS and CWE.
	Taxonomy Taxonomy `json:"taxonomy,omitzero"`
	// Properties carries rule-specific facts (the callable, op, score ...).
	Properties map[string]string `json:"properties,omitempty"`
}

// SetEvidence stores s as evidence, cut to MaxEvidence bytes on a rune
// boundary with an ellipsis when longer.
func (f *Finding) SetEvidence(s string) {
	f.Evidence = Truncate(s, MaxEvidence)
}

// Truncate cuts s to at most n bytes on a UTF-8 boundary, appending "…" when
// it cut anything. Invalid UTF-8 is replaced so the result is always valid.
func Truncate(s string, n int) string {
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func toValidUTF8(s string) string {
	b := make([]byte, 0, len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\\x"...)
			b = append(b, "0123456789abcdef"[s[0]>>4], "0123456789abcdef"[s[0]&15])
		} else {
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
	return string(b)
}

// Fingerprint returns a stable id for the finding that survives re-scans:
// the rule, the file and member, and the evidence, but not the offset, so
// that a baseline keeps matching when unrelated bytes move.
func (f *Finding) Fingerprint() string {
	h := sha256.New()
	for _, s := range []string{f.RuleID, f.Location.File, f.Location.Member, f.Location.RequestID, f.Evidence, f.Properties["callable"]} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Report is a set of findings from one run of one Bulwark command.
type Report struct {
	// SchemaVersion is the version of the JSON report schema (see docs/report-schema.md).
	SchemaVersion string `json:"schema_version"`
	// Tool is "bulwark"; Version its version.
	Tool    string `json:"tool"`
	Version string `json:"version"`
	// Command is the subcommand that produced the report, e.g. "scan".
	Command string `json:"command"`
	// Targets are the inputs (files, folders, endpoints) examined.
	Targets []string `json:"targets"`
	// Started and Finished bound the run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Findings, sorted by Sort.
	Findings []Finding `json:"findings"`
	// Errors are inputs that could not be examined, one line each.
	Errors []string `json:"errors,omitempty"`
	// Stats carries counters (files scanned, bytes read ...).
	Stats map[string]int64 `json:"stats,omitempty"`
	// Suppressed counts findings hidden by a baseline.
	Suppressed int `json:"suppressed,omitempty"`
}

// SchemaVersion is the current JSON report schema version.
const SchemaVersion = "1.0"

// NewReport returns an empty report for command, stamped with the start time.
func NewReport(command, version string, targets ...string) *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          "bulwark",
		Version:       version,
		Command:       command,
		Targets:       targets,
		Started:       time.Now().UTC(),
		Findings:      []Finding{},
	}
}

// Add appends findings.
func (r *Report) Add(fs ...Finding) { r.Findings = append(r.Findings, fs...) }

// Sort orders findings by severity (highest first), then file, member,
// offset and rule, so that output is deterministic.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := &r.Findings[i], &r.Findings[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Member != b.Location.Member {
			return a.Location.Member < b.Location.Member
		}
		if a.Location.Offset != b.Location.Offset {
			return a.Location.Offset < b.Location.Offset
		}
		return a.RuleID < b.RuleID
	})
}

// MaxSeverity returns the highest severity in r and whether r has findings.
func (r *Report) MaxSeverity() (Severity, bool) {
	if len(r.Findings) == 0 {
		return Info, false
	}
	max := Info
	for _, f := range r.Findings {
		if f.Severity > max {
			max = f.Severity
		}
	}
	return max, true
}

// CountAtLeast returns how many findings are at or above s.
func (r *Report) CountAtLeast(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// CountBySeverity returns the number of findings per severity.
func (r *Report) CountBySeverity() map[Severity]int {
	m := make(map[Severity]int, 5)
	for _, f := range r.Findings {
		m[f.Severity]++
	}
	return m
}

// Summary returns a one-line count such as "3 findings: 1 critical, 2 high".
func (r *Report) Summary() string {
	if len(r.Findings) == 0 {
		return "no findings"
	}
	counts := r.CountBySeverity()
	s := strconv.Itoa(len(r.Findings)) + " finding"
	if len(r.Findings) != 1 {
		s += "s"
	}
	sep := ": "
	for sev := Critical; sev >= Info; sev-- {
		if c := counts[sev]; c > 0 {
			s += sep + strconv.Itoa(c) + " " + sev.String()
			sep = ", "
		}
	}
	return s
}
