package config

// Redteam holds the settings of the `redteam` part of Bulwark.
type Redteam struct {
}

func (s *Redteam) defaults() {}
