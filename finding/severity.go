package finding

import (
	"fmt"
	"strings"
)

// Severity ranks how much a finding matters. The zero value is Info.
type Severity int

// The severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name of s ("info" … "critical").
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name, case-insensitively. "none" parses as
// a value above Critical, so that a --fail-on none threshold never trips.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, v := range severityNames {
		if v == n {
			return Severity(i), nil
		}
	}
	if n == "none" || n == "never" {
		return Critical + 1, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high, critical or none)", name)
}

// MarshalText encodes s as its name.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Info || s > Critical {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
