// Package config owns Bulwark's settings: defaults, then an optional
// bulwark.yaml, then BULWARK_* environment variables, then command-line
// flags (applied by the CLI). Each pillar keeps its section in its own file.
package config
