// Package finding owns the one findings model that every part of Bulwark
// reports in: the model scanner, the detection engine, the gateway's audit
// trail and the red-team runner all produce [Finding] values, collected in a
// [Report] that the report package renders.
//
// It also owns the rule catalogue: every package that reports findings
// exports its rules as [Rule] data, a [Catalog] collects them (rejecting
// duplicate ids), and [Rule.Apply] fills a finding's metadata from its rule
// so that no package restates titles, severities or references.
package finding
