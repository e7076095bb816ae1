// Package safetensors scans safetensors files without loading their tensors:
// it bounds and parses the JSON header, checks every tensor's dtype and
// shape against its byte range (overflow-safe), reports overlapping ranges,
// gaps and bytes hidden after the last tensor (which it hands back to the
// dispatcher for scanning), checks that __metadata__ holds strings only,
// and looks for credentials in metadata strings. Tensor data is never read.
//
// Format reference: https://github.com/huggingface/safetensors (README,
// "Format"): an 8-byte little-endian header length N, N bytes of JSON,
// then the byte buffer that data_offsets index into.
package safetensors
