// Package gguf scans GGUF model files (llama.cpp, versions 1 to 3, little
// or big endian) without loading tensors: it parses the header, the
// metadata key/value pairs and the tensor infos with every count and length
// checked against the bytes left in the file and a fixed cap before
// anything is allocated, checks tensor data ranges (inside the file,
// aligned, not overlapping, nothing hidden after the last tensor), checks
// tokenizer.chat_template (and named tokenizer.chat_template.* templates)
// for template injection with package chattemplate, and looks for
// credentials in metadata strings.
//
// Format reference: the GGUF specification in ggml's docs/gguf.md
// (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) and the
// ggml_type block sizes in ggml.c.
package gguf
