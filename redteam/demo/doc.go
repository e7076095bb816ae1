// Package demo owns the demo target: a deliberately naive chatbot HTTP
// server speaking the OpenAI chat-completions protocol, with a secret
// canary in its system prompt. It is a TEST TARGET ONLY: it follows simple
// injections, reveals its instructions when asked and plays along with
// jailbreak framings, so that `bulwark redteam` shows the whole loop
// (attack, judge, score, report) offline. Never deploy it.
package demo
