// Package finding owns the one findings model that every part of Bulwark
// reports in: the model scanner, the detection engine, the gateway's audit
// trail and the red-team runner all produce [Finding] values, collected in a
// [Report] that the report package renders.
package finding
