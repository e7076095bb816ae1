package detect

// builtinDetectors returns one instance of every built-in detector. Each
// detector file adds its constructor here.
func builtinDetectors(cfg Config) ([]Detector, error) {
	if errHeuristicRules != nil {
		return nil, errHeuristicRules
	}
	tox, err := newToxicDetector()
	if err != nil {
		return nil, err
	}
	return []Detector{
		injectionDetector{},
		jailbreakDetector{},
		extractionDetector{},
		invisibleDetector{},
		newPIIDetector(),
		newSecretsDetector(),
		newRefusalDetector(),
		newExfilDetector(),
		newLeakDetector(),
		tox,
	}, nil
}
