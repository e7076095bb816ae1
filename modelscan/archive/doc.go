// Package archive scans generic zip, tar and gzip-compressed tar (.tar.gz,
// .tgz) containers: every member is handed back to the dispatcher (through
// format.Nested, at Depth+1) to be detected and scanned by its own format
// scanner, while the container itself is checked for what loaders and
// unpackers get wrong: member names that escape the extraction folder
// (zip-slip: absolute paths, ".." components, backslash and drive-letter
// tricks), decompression bombs (expansion ratio and absolute caps, enforced
// while decompressing, and overlapping zip entries), symlinks, hard links
// and device members, duplicate names, encrypted members and malformed
// structure. Such members are reported and not followed.
//
// Stored zip members and plain tar members are scanned in place through a
// section of the input; compressed members are decompressed under the caps
// into memory (up to 64 MB) or a temporary file that is removed afterwards,
// so memory stays flat whatever the archive size.
//
// Precedence: zips that are PyTorch checkpoints, NumPy .npz or Keras v3
// files are claimed by those scanners, which the dispatcher asks first; this
// scanner matches the remaining zips, tars and gzip streams that hold a tar.
// Nesting depth is bounded by the dispatcher (SCAN001).
package archive
