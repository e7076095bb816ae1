package config

// Provenance holds the settings of the `provenance` part of Bulwark.
type Provenance struct {
}

func (s *Provenance) defaults() {}
