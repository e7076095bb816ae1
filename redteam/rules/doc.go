// Package rules owns turning a red-team run's successful attacks into
// gateway policy rules: request-side rules that block the injection and
// jailbreak phrasing that got through (with the detector categories that
// should have caught it), response-side rules that block the run's
// canaries, leaked instructions and exfiltration links, and limits for
// resource abuse. Re-running the same attacks through `bulwark serve` with
// the exported rules should show them blocked.
package rules
