// Package hf scans the text files of a Hugging Face model folder, as four
// format scanners that match by file name and text content:
//
//   - ConfigScanner: config.json. An auto_map (or custom_pipelines) entry
//     means loading the model needs trust_remote_code=True, i.e. running
//     Python shipped with the model (HF001).
//   - TokenizerScanner: tokenizer_config.json, chat_template.json and
//     *.jinja templates. chat_template is checked for template injection
//     with package chattemplate (HF003); auto_map here also means remote code.
//   - PythonScanner: *.py files. Any Python file in a model folder is code
//     that trust_remote_code runs (HF002); calls that run commands, evaluate
//     code, deserialize pickles, open sockets or fetch URLs are reported
//     one by one with their line (HF004).
//   - TextScanner: other text-like files (json, yaml, txt, md, cfg, ini,
//     toml, env ...), scanned for credentials.
//
// Every one of them also scans its file for credentials with
// detect/secrets. Python is checked lexically (comments stripped, strings
// kept), not parsed: the goal is to flag what a reviewer must read, and
// obfuscated code is caught by the patterns for decoding and exec.
package hf
