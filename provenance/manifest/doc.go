// Package manifest hashes a model (a folder or a single file) into a
// manifest: one SHA-256 digest per file, or per fixed-size shard of each
// file, in a deterministic order, with the ignore rules of the OpenSSF
// model signing reference implementation (sigstore/model-transparency):
// .git, .gitattributes, .github and .gitignore at the model root, plus any
// path the caller names, matched as a path prefix.
//
// Files are hashed by a pool of workers; in shards mode every shard of a
// large file is a separate unit of work, so one big file is hashed on all
// cores. The manifest's root digest is SHA-256 over the concatenated raw
// digests of its resources, in list order, as the reference defines it.
//
// Diff compares a signed manifest with one computed from disk and names
// every file added, removed, changed or renamed.
package manifest
