// Package secrets finds credentials in text: cloud provider keys (AWS, GCP,
// Azure), AI provider keys (OpenAI, Anthropic, Hugging Face), source-forge
// and SaaS tokens (GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, npm,
// PyPI), private key blocks, JWTs, credentials embedded in URLs, and generic
// high-entropy values assigned to secret-looking names.
//
// It is a leaf package (standard library only) used by the text detection
// engine, the gateway (on every request) and the model scanner (text files
// and pickle string constants). Find is linear in its input: every rule is
// located by a literal prefix found with bytes.Index and then checked with
// small hand-written matchers over a bounded window, so megabyte inputs are
// safe and a clean 20 KB text costs microseconds. Where a format carries a
// checksum or a decodable structure (GitHub and npm CRC32, JWT header,
// PyPI macaroon, Azure key length) the check is applied and raises or lowers
// the confidence. A Match never holds the secret itself: only its span and a
// masked preview.
package secrets
