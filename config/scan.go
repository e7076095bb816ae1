package config

// Scan holds the settings of the `scan` part of Bulwark.
type Scan struct {
}

func (s *Scan) defaults() {}
