// Package results owns the red-team tables in the Bulwark store: runs and
// their attempts, written one by one as they arrive so that an interrupted
// run can resume where it stopped, and read back for reports, comparison
// and rule export.
package results
