// Package keras scans Keras models without loading them: Keras v3 .keras
// zips (config.json) and legacy HDF5 .h5 files (the model_config attribute
// of the root group). The model configuration is walked for Lambda layers
// (marshalled Python bytecode in the config is critical: loading runs it),
// TFOpLambda layers, objects and functions whose module lies outside
// Keras/TensorFlow (Keras imports that module while deserializing), and
// custom registered objects; and scanned for credentials.
//
// HDF5: the Go HDF5 packages are cgo bindings to the C library
// (gonum/hdf5, sbinet/go-hdf5) or unmaintained (go-hdf5/hdf5, 2018); the
// one maintained pure-Go reader, github.com/scigolib/hdf5, is not served by
// the module proxy this project builds from (403). So this package carries
// a bounded reader of exactly what is needed: the superblock
// (versions 0 to 3), the root group's object header (versions 1 and 2, with
// continuation blocks), attribute messages (versions 1 to 3) holding a
// fixed-length or variable-length string (read from the global heap). Every
// offset and length is checked against the file size and a cap before use.
// When the attribute cannot be reached that way (dense attribute storage,
// unusual layouts) the scanner falls back to a bounded scan of the file for
// the JSON object that starts with {"class_name", and says so in the
// finding's properties (source: "byte-scan").
//
// A .keras zip is otherwise handed to the generic archive scanner, so its
// other members (weights, assets) are scanned and zip-slip and bombs are
// reported as for any archive.
package keras
