// Package report renders a finding.Report in the formats Bulwark's users
// need: a terminal table, versioned JSON, SARIF 2.1.0, JUnit XML and a
// self-contained HTML page. One writer per format, chosen by name.
package report
