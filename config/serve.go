package config

// Serve holds the settings of the `serve` part of Bulwark.
type Serve struct {
}

func (s *Serve) defaults() {}
