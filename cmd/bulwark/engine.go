package main

import (
	"github.com/bulwark-ai/bulwark/detect"
	"github.com/bulwark-ai/bulwark/policy"
)

// detectConfig is the one resolved detection configuration (bulwark.yaml's
// detect section, then BULWARK_DETECT_*) that every command judging text
// uses: check, serve, redteam, test and redact.
func (a *app) detectConfig() detect.Config { return a.cfg.Detect }

// engine builds the detection engine from the resolved configuration.
func (a *app) engine() (*detect.Engine, error) {
	e, err := detect.New(a.detectConfig())
	if err != nil {
		return nil, usageError("config detect: %v", err)
	}
	return e, nil
}

// policyOptions is what gateway policies compile against.
func (a *app) policyOptions() policy.Options { return policy.Options{Detect: a.detectConfig()} }
