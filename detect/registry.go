package detect

// builtinDetectors returns one instance of every built-in detector. Each
// detector file adds its constructor here.
func builtinDetectors(cfg Config) ([]Detector, error) {
	return []Detector{
		injectionDetector{},
		jailbreakDetector{},
		extractionDetector{},
		invisibleDetector{},
		newPIIDetector(),
		newRefusalDetector(),
		newExfilDetector(),
		newLeakDetector(),
	}, nil
}
