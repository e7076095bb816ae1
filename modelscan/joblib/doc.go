// Package joblib scans compressed joblib dumps (joblib.dump with compress=
// zlib, gzip, bz2, xz, lzma or lz4, and the pre-0.9.3 "ZF" zlib files): it
// decompresses them as a stream with a hard size bound, reporting a
// decompression bomb past it, and analyses the pickle inside in joblib's
// dialect, where array bytes follow each NumpyArrayWrapper. Uncompressed
// joblib dumps are pickles and are scanned by the pickle scanner, which
// understands the same dialect.
package joblib
