// Package chattemplate checks Jinja chat templates shipped with models
// (GGUF tokenizer.chat_template, Hugging Face tokenizer_config.json
// chat_template) for server-side template injection: expressions that reach
// Python internals (__class__, __mro__, __subclasses__, __globals__,
// __builtins__, __import__ ...), call dangerous functions (os, popen, eval,
// exec, open), read attributes by computed name (|attr(), obfuscated
// underscores), or walk from Jinja globals (cycler, joiner, lipsum,
// namespace) into the interpreter. Jinja's sandbox blocks some of these, but
// chat templates are rendered by many engines, not all sandboxed: a model
// file should never carry them.
//
// The check is lexical, over the code regions of the template ({{ … }} and
// {% … %}; comments and Jinja line statements are not code here), with string literals included (attribute
// names are often smuggled in strings) and literal output text excluded, so
// that a system prompt mentioning "eval" is not flagged. Real chat templates
// (Llama, Mistral, Qwen, Gemma, Phi ...) use namespace(), loops, filters
// and string tests only, none of which is flagged.
package chattemplate
