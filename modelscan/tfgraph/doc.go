// Package tfgraph scans TensorFlow graphs without loading them: SavedModel
// files (saved_model.pb: SavedModel → MetaGraphDef → GraphDef) and frozen
// GraphDef .pb files, read with protowire through a sliding window. It
// reports operations that run Python (PyFunc, EagerPyFunc,
// PyFuncStateless), touch the file system (ReadFile, WriteFile,
// MatchingFiles, ImmutableConst, file readers and writers, summary and
// dataset writers), reach the network (the tf.distribute RPC ops), and
// checkpoint Save/Restore ops, in the main graph and in every function of
// the function library; and credentials in string attributes.
//
// Detection is by content: protobuf has no magic number, so a SavedModel is
// recognised by its schema_version 1 followed by meta_graphs, and a
// GraphDef by a first NodeDef whose name and op are identifiers. The file
// name (saved_model.pb, *.pb) is used as a hint only where content is
// ambiguous (a GraphDef that starts with its library or versions).
//
// Field numbers are those of tensorflow/core/protobuf/saved_model.proto,
// meta_graph.proto and tensorflow/core/framework/{graph,node_def,function,
// attr_value}.proto.
package tfgraph
