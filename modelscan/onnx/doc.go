// Package onnx scans ONNX models (ModelProto, read with protowire through a
// sliding window, so that inline tensor payloads are skipped, not loaded).
// It walks the main graph, every subgraph held in node attributes (If,
// Loop, Scan bodies), model-local functions and training graphs, and
// reports nodes in custom operator domains (they need a native custom-op
// library, arbitrary code, at load time) and Python-executing operators;
// external data whose location is absolute or escapes the model folder
// (path traversal on load); external data that is missing or whose size or
// offset disagrees with the referenced file; initializers whose payload
// size disagrees with their declared dims and type; and credentials in
// metadata_props and doc strings.
//
// ONNX has no magic number: a file is recognised by a .onnx name, or by
// content when it starts like a ModelProto (ir_version 3 to 15 followed by
// ModelProto fields).
//
// Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, FunctionProto, TrainingInfoProto).
package onnx
