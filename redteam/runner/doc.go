// Package runner owns executing a red-team run: planning attempts from
// probes, mutator chains and repetitions with deterministic per-attempt
// seeds; sending them with bounded concurrency, request and token rate
// limits, per-request timeouts and retries with backoff on 429 and 5xx;
// multi-turn conversations and PAIR-style attacker refinement; judging;
// token and cost accounting; a progress bar; and storing every attempt as it
// arrives so that an interrupted run resumes where it stopped.
package runner
