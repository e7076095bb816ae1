// Package redteam is the root of Bulwark's red-teaming pillar: attacking an
// LLM application over its real API before it ships, judging and scoring
// the answers, and keeping golden evaluation suites for CI.
//
// The work is split into small packages, each with one job:
//
//   - probe: the attack catalog, as embedded YAML data;
//   - mutate: composable prompt mutators (encodings, smuggling, framings);
//   - target: clients for the systems under test (OpenAI-compatible,
//     Anthropic, Ollama, generic HTTP, local command);
//   - judge: deciding whether an attack succeeded, with evidence;
//   - runner: planning and executing attempts with concurrency, rate
//     limits, retries and resume;
//   - results: the store tables that hold runs and attempts as they arrive;
//   - score: attack success rates, confidence intervals, composite score
//     and run comparison;
//   - demo: a deliberately naive chatbot server used as a test target;
//   - rules: turning successful attacks into gateway policy rules;
//   - fuzz: random and grammar-based prompt generation;
//   - evalsuite: `bulwark test` golden suites with assertions.
package redteam
