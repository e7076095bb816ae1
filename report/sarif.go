package report

import (
	"encoding/json"

	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-ai/bulwark/finding"
)

// SARIF 2.1.0, as GitHub code scanning accepts it. The structs below model
// just the parts Bulwark writes; field names follow the OASIS schema.
// (go-sarif was tried and dropped: its Region always serialises byteOffset
// and charOffset as 0, which contradicts line-based regions.)

const sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// InformationURI is where the tool's documentation lives.
const InformationURI = "https://github.com/bulwark-ai/bulwark"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 *sarifText     `json:"help,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int    `json:"startLine,omitempty"`
	ByteOffset  *int64 `json:"byteOffset,omitempty"`
	ByteLength  *int64 `json:"byteLength,omitempty"`
	StartColumn int    `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity maps a severity to GitHub's numeric security-severity
// (critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9).
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "3.0"
	default:
		return "0.5"
	}
}

// artifactURI turns a path into a SARIF uri-reference: forward slashes,
// percent-escaped, file:// for absolute paths.
func artifactURI(p string) string {
	p = filepath.ToSlash(p)
	if strings.Contains(p, "://") {
		return p
	}
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}

// WriteSARIF writes r as a SARIF 2.1.0 log with one run.
func WriteSARIF(w io.Writer, r *finding.Report) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "Bulwark",
			Version:        r.Version,
			InformationURI: InformationURI,
			Rules:          []sarifRule{},
		}},
		Results: []sarifResult{},
	}
	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	if !r.Started.IsZero() {
		inv.StartTimeUTC = r.Started.UTC().Format(time.RFC3339Nano)
	}
	if !r.Finished.IsZero() {
		inv.EndTimeUTC = r.Finished.UTC().Format(time.RFC3339Nano)
	}
	for _, e := range r.Errors {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{Level: "error", Message: sarifText{Text: e}})
	}
	run.Invocations = []sarifInvocation{inv}
	run.Properties = map[string]any{"command": r.Command}
	if r.Suppressed > 0 {
		run.Properties["suppressed"] = r.Suppressed
	}

	ruleIndex := map[string]int{}
	for i := range r.Findings {
		f := &r.Findings[i]
		idx, ok := ruleIndex[f.RuleID]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.RuleID] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f))
		} else if rule := &run.Tool.Driver.Rules[idx]; severityRank(rule.DefaultConfiguration.Level) < severityRank(sarifLevel(f.Severity)) {
			// A rule's default is its worst finding.
			rule.DefaultConfiguration.Level = sarifLevel(f.Severity)
			rule.Properties["security-severity"] = securitySeverity(f.Severity)
		}
		run.Results = append(run.Results, sarifResultFor(f, idx))
	}
	log := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func severityRank(level string) int {
	switch level {
	case "error":
		return 3
	case "warning":
		return 2
	}
	return 1
}

func sarifRuleFor(f *finding.Finding) sarifRule {
	title := f.Title
	if title == "" {
		title = f.RuleID
	}
	tags := []string{"security"}
	if f.Category != "" {
		tags = append(tags, f.Category)
	}
	tags = append(tags, f.Taxonomy.OWASPLLM...)
	tags = append(tags, f.Taxonomy.ATLAS...)
	for _, c := range f.Taxonomy.CWE {
		// GitHub reads CWE tags in this form.
		tags = append(tags, "external/cwe/"+strings.ToLower(c))
	}
	full := title
	if f.Remediation != "" {
		full = title + ". " + f.Remediation
	}
	rule := sarifRule{
		ID:                   f.RuleID,
		Name:                 ruleName(title),
		ShortDescription:     sarifText{Text: title},
		FullDescription:      sarifText{Text: full},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity)},
		Properties: map[string]any{
			"tags":              tags,
			"security-severity": securitySeverity(f.Severity),
			"precision":         precision(f.Confidence),
		},
	}
	if f.Remediation != "" {
		rule.Help = &sarifText{Text: f.Remediation, Markdown: "**Remediation:** " + f.Remediation}
	}
	return rule
}

// ruleName makes a PascalCase identifier from a title, as SARIF suggests.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func precision(conf float64) string {
	switch {
	case conf >= 0.9:
		return "very-high"
	case conf >= 0.7:
		return "high"
	case conf >= 0.4:
		return "medium"
	default:
		return "low"
	}
}

func sarifResultFor(f *finding.Finding, idx int) sarifResult {
	msg := f.Message
	if f.Location.Member != "" {
		msg += " (in archive member " + f.Location.Member + ")"
	}
	res := sarifResult{
		RuleID:              f.RuleID,
		RuleIndex:           idx,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: msg},
		PartialFingerprints: map[string]string{"bulwarkFingerprint/v1": f.Fingerprint()},
		Properties: map[string]any{
			"severity":   f.Severity.String(),
			"confidence": f.Confidence,
		},
	}
	if f.Evidence != "" {
		res.Properties["evidence"] = f.Evidence
	}
	if f.Category != "" {
		res.Properties["category"] = f.Category
	}
	if len(f.Properties) > 0 {
		keys := make([]string, 0, len(f.Properties))
		for k := range f.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			res.Properties["bulwark."+k] = f.Properties[k]
		}
	}
	loc := sarifLocation{}
	if f.Location.File != "" {
		phys := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(f.Location.File)}}
		switch {
		case f.Location.Line > 0:
			phys.Region = &sarifRegion{StartLine: f.Location.Line}
		case f.Location.Offset >= 0 && f.Location.Member == "":
			off := f.Location.Offset
			phys.Region = &sarifRegion{ByteOffset: &off}
		}
		loc.PhysicalLocation = phys
	}
	if f.Location.Member != "" {
		loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{
			Name: f.Location.Member, FullyQualifiedName: finding.JoinMember(f.Location.File, f.Location.Member), Kind: "member",
		})
		if f.Location.Offset >= 0 {
			res.Properties["bulwark.memberOffset"] = strconv.FormatInt(f.Location.Offset, 10)
		}
	}
	if f.Location.RequestID != "" {
		loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: f.Location.RequestID, Kind: "request"})
	}
	if loc.PhysicalLocation != nil || len(loc.LogicalLocations) > 0 {
		res.Locations = []sarifLocation{loc}
	}
	return res
}
