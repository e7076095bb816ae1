// Package mutate owns prompt mutators: transformations that disguise an
// attack from filters while keeping it readable to a capable model
// (encodings, character smuggling, splitting, reversal, wrapping, framings),
// plus attacker-model rewrites (paraphrase, low-resource-language
// translation) when an attacker model is configured. Mutators compose: a
// [Chain] applies several in order.
package mutate
