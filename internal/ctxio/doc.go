// Package ctxio makes long copies stop when their context is cancelled.
package ctxio
