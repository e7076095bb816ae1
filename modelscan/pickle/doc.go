// Package pickle is a streaming, opcode-level analyser of Python pickles,
// protocols 0 to 5. It never unpickles: it walks the opcodes with a small
// symbolic stack and memo, so that it can name every import (GLOBAL,
// STACK_GLOBAL with operands built through the memo, INST, EXT1/2/4), see
// which imports are called (REDUCE, OBJ, NEWOBJ, NEWOBJ_EX, INST) or
// wrapped (functools.partial around a callable), collect string constants
// for secret scanning, and report a malformed or truncated stream, which a
// loader would still have executed up to the broken opcode.
//
// Every length read from the input is bounded before use; large string and
// bytes payloads are skipped by seeking; the stack, memo and opcode count
// are bounded. The package also understands joblib's dialect, where raw
// array data follows a NumpyArrayWrapper inside the pickle stream, and
// provides the format.Scanner for bare pickle files.
package pickle
