// Package numpy scans NumPy .npy files and .npz archives without loading
// them: it parses the .npy header (a Python dict literal, bounded), checks
// that the data length matches dtype and shape, and analyses the pickle
// that follows the header of an object array (numpy.load with
// allow_pickle=True unpickles it).
package numpy
