package config

// Detect holds the settings of the `detect` part of Bulwark.
type Detect struct {
}

func (s *Detect) defaults() {}
